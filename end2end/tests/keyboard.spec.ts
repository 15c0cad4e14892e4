// Natter from the keyboard alone: join, skip to the composer, send, switch rooms, open the
// people (a drawer on a phone), close it with Escape; focus is always somewhere visible.
import type { Locator, Page } from "@playwright/test";
import { test, expect } from "./natter";

/** Presses Tab until `target` has focus (at most `limit` times), as a keyboard user would. */
async function tabTo(page: Page, target: Locator, limit = 60) {
  for (let i = 0; i < limit; i++) {
    if (await target.evaluate((e) => e === document.activeElement)) return;
    await page.keyboard.press("Tab");
    // Wherever focus is, it is visible: an outline (or the browser's ring) on a shown element.
    const ring = await page.evaluate(() => {
      const e = document.activeElement as HTMLElement | null;
      if (!e || e === document.body) return "none";
      const style = getComputedStyle(e);
      const box = e.getBoundingClientRect();
      const shown = box.width > 0 && box.height > 0 && style.visibility !== "hidden";
      return shown && style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2 ? "ok" : `${e.tagName} ${e.className} outline ${style.outlineStyle} ${style.outlineWidth}`;
    });
    expect(ring).toMatch(/^(ok|none)$/);
  }
  await expect(target).toBeFocused();
}

for (const width of [1280, 390]) {
  test(`keyboard only at ${width} px: join, skip to the composer, send, switch room, open the people`, async ({ browser, server }) => {
    const page = await (await browser.newContext({ viewport: { width, height: 800 }, reducedMotion: "reduce" })).newPage();
    await page.goto(server.url);
    await tabTo(page, page.getByLabel("Nickname"));
    await page.keyboard.type("kim");
    await page.keyboard.press("Enter");
    await expect(page.getByRole("status")).toHaveText("connected");

    // The first Tab reaches the skip link, which takes focus to the composer.
    await page.locator("body").evaluate((b) => (b as HTMLElement).focus());
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press("Tab");
    const skip = page.getByRole("link", { name: "Skip to the message box" });
    await expect(skip).toBeFocused();
    await expect(skip).toBeInViewport();
    await page.keyboard.press("Enter");
    const composer = page.getByLabel("Message", { exact: true });
    await expect(composer).toBeFocused();
    await page.keyboard.type("typed without a mouse");
    await page.keyboard.press("Enter");
    await expect(page.getByRole("log").locator("li.message:not(.pending) .text")).toHaveText(["typed without a mouse"]);
    await expect(composer).toBeFocused();

    // A new room, made and entered from the keyboard.
    const narrow = width < 832;
    if (narrow) {
      await tabTo(page, page.getByRole("button", { name: "Rooms", exact: true }));
      await page.keyboard.press("Enter");
      await expect(page.getByRole("navigation", { name: "Rooms" })).toBeFocused();
    }
    await tabTo(page, page.getByLabel("New room"));
    await page.keyboard.type("quiet");
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(/\/r\/quiet$/);
    await expect(page.getByRole("status")).toHaveText("connected");
    // And back to #general through the room list.
    if (narrow) {
      await tabTo(page, page.getByRole("button", { name: "Rooms", exact: true }));
      await page.keyboard.press("Enter");
    }
    await tabTo(page, page.getByRole("link", { name: /^#general/ }));
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(/\/r\/general$/);

    // The people: a drawer on a phone, opened and closed from the keyboard.
    if (narrow) {
      const members = page.getByRole("button", { name: "Members", exact: true });
      await tabTo(page, members);
      await page.keyboard.press("Enter");
      const people = page.getByRole("complementary", { name: "People here" });
      await expect(people).toBeFocused();
      await expect(people.getByText("kim")).toBeVisible();
      await page.keyboard.press("Escape");
      await expect(people).toBeHidden();
      await expect(members).toBeFocused();
    } else {
      await expect(page.getByRole("complementary", { name: "People here" }).getByText("kim")).toBeVisible();
    }
  });
}
