import { test, expect, join, say, messageTexts } from "./natter";
import { Page } from "@playwright/test";

// Hostile input, sent as messages, nicknames and room names. Each must show as the very text
// that was typed: no dialog, no element of its own, no script run, no layout escape.
const payloads = [
  "<script>alert('xss-script')</script>",
  "<img src=x onerror=alert('xss-img')>",
  "\"><svg onload=alert('xss-svg')>",
  "<a href=\"javascript:alert('xss-link')\">click me</a>",
  "javascript:alert('xss-url')",
  "<iframe src=\"javascript:alert('xss-frame')\"></iframe>",
  "<style>body{display:none}</style>",
  "{{constructor.constructor('alert(1)')()}} ${alert(1)}",
  "abc\u202Egnp.exe",
  "zero\u200Bwidth\u200D\u2060joiners\uFEFF",
  "Z" + "\u0301\u0302\u0303\u0304\u0305\u0306\u0307\u0308".repeat(60),
];

/** Fails the test on any dialog; returns a check that nothing was injected into the page. */
async function guard(page: Page) {
  const dialogs: string[] = [];
  page.on("dialog", async (dialog) => {
    dialogs.push(dialog.message());
    await dialog.dismiss();
  });
  return async () => {
    expect(dialogs).toEqual([]);
    const injected = await page.evaluate(() => ({
      images: document.querySelectorAll("img").length,
      // The composer's own drawn icon (Attach file) is not counted.
      svgs: document.querySelectorAll("main svg:not(.attach svg), aside svg").length,
      frames: document.querySelectorAll("iframe").length,
      styles: document.querySelectorAll("body style").length,
      jsLinks: document.querySelectorAll("a[href^='javascript']").length,
      handlers: [...document.querySelectorAll("*")].filter((e) =>
        [...e.attributes].some((a) => a.name.startsWith("on")),
      ).length,
      bodyVisible: getComputedStyle(document.body).display !== "none",
    }));
    expect(injected).toEqual({ images: 0, svgs: 0, frames: 0, styles: 0, jsLinks: 0, handlers: 0, bodyVisible: true });
  };
}

test("hostile messages render as inert text", async ({ browser, server }) => {
  const ann = await (await browser.newContext()).newPage();
  const bob = await (await browser.newContext()).newPage();
  const annClean = await guard(ann);
  const bobClean = await guard(bob);
  await join(ann, server.url, "ann");
  await join(bob, server.url, "bob");
  for (const payload of payloads) await say(ann, payload);
  await expect(messageTexts(bob)).toHaveText(payloads);
  // Server rendered, too.
  await bob.reload();
  await expect(messageTexts(bob)).toHaveText(payloads);
  // Right-to-left overrides and long combining clusters stay inside their bubble.
  const texts = messageTexts(bob);
  for (let i = 0; i < payloads.length; i++) {
    expect(["isolate", "plaintext"]).toContain(await texts.nth(i).evaluate((e) => getComputedStyle(e).unicodeBidi));
    // Stacked combining marks draw above their line; the text's box clips them (the bubble
    // itself lets its actions toolbar sit above it).
    expect(await texts.nth(i).evaluate((e) => getComputedStyle(e).overflow)).toBe("hidden");
    const box = (await texts.nth(i).boundingBox())!;
    const bubble = (await texts.nth(i).locator("xpath=ancestor::li[1]").boundingBox())!;
    expect(box.y).toBeGreaterThanOrEqual(bubble.y - 1);
    expect(box.y + box.height).toBeLessThanOrEqual(bubble.y + bubble.height + 1);
  }
  await annClean();
  await bobClean();
});

test("hostile nicknames and room names render as inert text", async ({ browser, server }) => {
  const evil = await (await browser.newContext()).newPage();
  const bob = await (await browser.newContext()).newPage();
  const evilClean = await guard(evil);
  const bobClean = await guard(bob);
  const nickname = "<img src=x onerror=alert(1)>";
  await join(evil, server.url, nickname);
  await join(bob, server.url, "bob");
  await say(evil, "hi from a hostile name");
  await expect(bob.getByRole("log").locator(".author").filter({ hasText: nickname })).toHaveText([nickname]);
  await expect(bob.getByRole("list", { name: "Here now" }).locator(".author")).toContainText([nickname]);
  const rtl = await (await browser.newContext()).newPage();
  const rtlClean = await guard(rtl);
  await join(rtl, server.url, "\u202Eevil");
  await expect(bob.getByRole("list", { name: "Here now" }).locator(".author").filter({ hasText: "evil" })).toHaveCSS("unicode-bidi", "isolate");

  // Room names follow strict rules; the refusal shows the name as text.
  for (const room of ["<script>alert(1)</script>", "javascript:alert(1)", "\u202Eroom"]) {
    await evil.getByLabel("New room").fill(room);
    await evil.getByRole("button", { name: "Create" }).click();
    await expect(evil.getByRole("navigation").getByRole("alert")).toContainText("letters, digits");
  }
  await evilClean();
  await bobClean();
  await rtlClean();
});
