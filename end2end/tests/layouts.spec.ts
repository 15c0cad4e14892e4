// Every width from a small phone to a wide desktop: nothing overflows the page or is clipped
// by its container; on narrow screens the conversation takes the screen and the rooms and
// the people open as drawers from "Rooms" and "Members", with 44 px touch targets.
import type { Page } from "@playwright/test";
import { test, expect, join, say } from "./natter";

/** What sticks out of the page or out of a container that clips it, and clipped texts. */
async function overflows(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const describe = (el: Element) =>
      `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}${el.className && typeof el.className === "string" ? "." + el.className.trim().replace(/\s+/g, ".") : ""} "${(el.textContent ?? "").trim().slice(0, 30)}"`;
    const width = document.documentElement.clientWidth;
    const problems: string[] = [];
    if (document.documentElement.scrollWidth > width + 1) {
      problems.push(`the page is ${document.documentElement.scrollWidth} px wide in ${width}`);
    }
    for (const el of Array.from(document.querySelectorAll("body *"))) {
      const style = getComputedStyle(el);
      if (style.display === "none" || style.visibility === "hidden" || el.closest(".visually-hidden, noscript, template")) continue;
      const box = el.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue;
      // The nearest ancestor that clips: what sticks out of it is cut off (a code block
      // scrolls sideways on purpose, so what is inside one is fine).
      let clipper: Element | null = el.parentElement;
      while (clipper && clipper !== document.body && getComputedStyle(clipper).overflowX === "visible") {
        clipper = clipper.parentElement;
      }
      if (clipper && clipper !== document.body) {
        if (clipper.closest("pre")) continue;
        const outer = clipper.getBoundingClientRect();
        if (box.right > outer.right + 1 || box.left < outer.left - 1) {
          problems.push(`${describe(el)} is cut off by ${describe(clipper)}`);
          continue;
        }
      }
      if (box.right > width + 1 || box.left < -1) problems.push(`${describe(el)} spans ${Math.round(box.left)}..${Math.round(box.right)} of ${width}`);
      // A label or button whose own text does not fit.
      if (/^(BUTTON|LABEL|A|H1|H2|SELECT|SUMMARY)$/.test(el.tagName) && el.scrollWidth > el.clientWidth + 1 && style.overflowX !== "visible") {
        problems.push(`${describe(el)} is clipped (${el.scrollWidth} in ${el.clientWidth})`);
      }
    }
    return problems;
  });
}

const long =
  "A long line to wrap: https://example.com/a/really/long/path/that/does/not/break/easily/at/all?with=query&and=more " +
  "Dies ist ein Satz, ёлки-палки, 这是一个很长的句子用来测试换行是否正常工作而不会溢出屏幕的宽度 " +
  "Pneumonoultramicroscopicsilicovolcanoconiosis_without_any_break_at_all_0123456789";

for (const width of [320, 390, 768, 1280, 1920]) {
  test(`nothing overflows or is clipped at ${width} px`, async ({ browser, server }) => {
    // Reduced motion: drawers open without sliding, so what is measured is where they end.
    const page = await (await browser.newContext({ viewport: { width, height: 800 }, reducedMotion: "reduce" })).newPage();
    await join(page, server.url, "a-rather-long-nickname");
    await say(page, long);
    await say(page, "```\nfn main() { println!(\"a code block wider than any phone, which scrolls sideways inside itself\"); }\n```");
    await expect(page.getByRole("log").locator("li.message:not(.pending)")).toHaveCount(2);
    expect(await overflows(page)).toEqual([]);

    const narrow = width < 832;
    const rooms = page.getByRole("button", { name: "Rooms", exact: true });
    const members = page.getByRole("button", { name: "Members", exact: true });
    const roomList = page.getByRole("navigation", { name: "Rooms" });
    const people = page.getByRole("complementary", { name: "People here" });
    if (!narrow) {
      await expect(rooms).toBeHidden();
      await expect(roomList).toBeVisible();
      await expect(people).toBeVisible();
      return;
    }
    // The conversation has the screen; the drawers are closed and out of the tab order.
    await expect(roomList).toBeHidden();
    await expect(people).toBeHidden();
    for (const control of await page.locator("button:visible, a:visible, select:visible, input:visible, textarea:visible").all()) {
      if (await control.evaluate((e) => e.matches("li.message *, textarea, .message-list *"))) continue;
      // A checkbox is tapped through its label too.
      const target = (await control.evaluate((e) => e.matches("label > input[type=checkbox]"))) ? control.locator("..") : control;
      const box = (await target.boundingBox())!;
      const name = (await control.getAttribute("aria-label")) ?? (await target.textContent());
      expect(box.height, `${name} is ${box.height} px high`).toBeGreaterThanOrEqual(44 - 0.5);
    }

    await rooms.click();
    await expect(rooms).toHaveAttribute("aria-expanded", "true");
    await expect(roomList).toBeVisible();
    await expect(roomList).toBeFocused();
    await expect(roomList.getByRole("link", { name: /general/ })).toBeVisible();
    expect(await overflows(page)).toEqual([]);
    await page.keyboard.press("Escape");
    await expect(roomList).toBeHidden();
    await expect(rooms).toBeFocused();
    await expect(rooms).toHaveAttribute("aria-expanded", "false");

    await members.click();
    await expect(people).toBeVisible();
    await expect(people.getByText("a-rather-long-nickname")).toBeVisible();
    expect(await overflows(page)).toEqual([]);
    // A tap beside the drawer closes it.
    await page.mouse.click(5, 400);
    await expect(people).toBeHidden();

    // Going to another room from the drawer closes it there.
    await rooms.click();
    await page.getByLabel("New room").fill("elsewhere");
    await page.getByRole("button", { name: "Create" }).click();
    await expect(page).toHaveURL(/\/r\/elsewhere$/);
    await expect(roomList).toBeHidden();
  });
}

test("at 320 px in Russian, the longest labels still fit", async ({ browser, server }) => {
  const context = await browser.newContext({ viewport: { width: 320, height: 640 }, locale: "ru-RU", reducedMotion: "reduce" });
  const page = await context.newPage();
  await page.goto(server.url);
  expect(await overflows(page)).toEqual([]);
  await page.getByLabel("Ник").fill("очень-длинное-имя");
  await page.getByRole("button", { name: "Войти" }).click();
  await expect(page.getByRole("status")).toHaveText("подключено");
  expect(await overflows(page)).toEqual([]);
  await page.getByRole("button", { name: "Комнаты" }).click();
  await expect(page.getByRole("navigation", { name: "Комнаты" })).toBeFocused();
  expect(await overflows(page)).toEqual([]);
});

test("text zoomed to 200% loses nothing at 1280 px", async ({ browser, server }) => {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await join(page, server.url, "zoomed-reader");
  await say(page, long);
  await page.evaluate(() => (document.documentElement.style.fontSize = "200%"));
  await expect(page.getByRole("log").locator("li.message:not(.pending)")).toHaveCount(1);
  expect(await overflows(page)).toEqual([]);
  await expect(page.getByLabel("Message", { exact: true })).toBeVisible();
  await expect(page.getByRole("button", { name: "Send", exact: true })).toBeInViewport();
});
