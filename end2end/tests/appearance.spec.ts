// The reader's theme, chosen in the interface over the system's, remembered; and motion
// that follows prefers-reduced-motion.
import { test, expect, join } from "./natter";

const background = (page: import("@playwright/test").Page) =>
  page.evaluate(() => getComputedStyle(document.body).backgroundColor);

test("a theme chosen in the interface beats the system's, is remembered, and can follow the system again", async ({
  browser,
  server,
}) => {
  const page = await (await browser.newContext({ colorScheme: "light" })).newPage();
  await join(page, server.url, "tess");
  const light = await background(page);
  await page.getByLabel("Theme").selectOption("dark");
  await page.getByRole("button", { name: "Change theme" }).click();
  await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
  await expect(page.getByRole("status")).toHaveText("connected");
  expect(await background(page)).toBe("rgb(18, 20, 23)");
  expect(await background(page)).not.toBe(light);
  await page.reload();
  await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
  // Light chosen on a dark system.
  await page.emulateMedia({ colorScheme: "dark" });
  await page.getByLabel("Theme").selectOption("light");
  await page.getByRole("button", { name: "Change theme" }).click();
  await expect(page.locator("html")).toHaveAttribute("data-theme", "light");
  expect(await background(page)).toBe(light);
  // Back to the system's (dark here).
  await page.getByLabel("Theme").selectOption("system");
  await page.getByRole("button", { name: "Change theme" }).click();
  await expect(page.locator("html")).not.toHaveAttribute("data-theme", /./);
  expect(await background(page)).toBe("rgb(18, 20, 23)");
});

test("drawers slide unless the reader asks for reduced motion", async ({ browser, server }) => {
  for (const reducedMotion of ["no-preference", "reduce"] as const) {
    const page = await (await browser.newContext({ viewport: { width: 390, height: 800 }, reducedMotion })).newPage();
    await join(page, server.url, `mo-${reducedMotion}`);
    const duration = await page.locator("nav.rooms").evaluate((e) => getComputedStyle(e).transitionDuration);
    if (reducedMotion === "reduce") expect(duration.split(",").every((d) => parseFloat(d) === 0)).toBe(true);
    else expect(duration.split(",").some((d) => parseFloat(d) > 0)).toBe(true);
  }
});
