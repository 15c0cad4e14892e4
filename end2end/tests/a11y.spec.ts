// WCAG 2.2 A and AA, checked by axe-core on every kind of page, in the light and the dark
// theme: the nickname prompt, a room with messages, a private room with its members, and the
// settings under the room list (password, notifications, language), at desktop and phone
// widths (where the settings are in the Rooms drawer).
import AxeBuilder from "@axe-core/playwright";
import type { Browser, Page } from "@playwright/test";
import { test, expect, join, say } from "./natter";

const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"];

async function violations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  return results.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ") + (n.failureSummary ? ` [${n.failureSummary.replace(/\s+/g, " ")}]` : "")).slice(0, 4).join("; ")}`,
  );
}

async function person(browser: Browser, scheme: "light" | "dark", width: number): Promise<Page> {
  const context = await browser.newContext({ colorScheme: scheme, viewport: { width, height: 800 }, reducedMotion: "reduce" });
  return context.newPage();
}

for (const scheme of ["light", "dark"] as const) {
  for (const width of [1280, 390]) {
    test(`no WCAG 2.2 A/AA violations, ${scheme} theme, ${width} px`, async ({ browser, server }) => {
      const ann = await person(browser, scheme, width);
      const bob = await person(browser, scheme, width);
      await ann.goto(server.url);
      expect(await violations(ann), "the nickname prompt").toEqual([]);

      await join(ann, server.url, "ann");
      await join(bob, server.url, "bob");
      await say(bob, "hello **ann**, see `code` and https://example.com");
      await say(ann, "@bob hi! 😊");
      await say(ann, "> a quote\n\n```\nlet x = 1;\n```");
      await expect(ann.getByRole("log").locator("li.message:not(.pending)")).toHaveCount(3);
      const hello = ann.getByRole("log").locator("li.message").filter({ hasText: "hello" });
      await hello.hover();
      expect(await violations(ann), "a room").toEqual([]);

      // The settings: in the left column, or in the Rooms drawer on a phone.
      if (width < 832) await ann.getByRole("button", { name: "Rooms", exact: true }).click();
      await ann.getByLabel("New room").fill("plans");
      await ann.getByLabel("Private: only people I invite").check();
      expect(await violations(ann), "the settings").toEqual([]);
      await ann.getByRole("button", { name: "Create" }).click();
      await expect(ann).toHaveURL(/\/r\/plans$/);
      await expect(ann.getByRole("status")).toHaveText("connected");
      await say(ann, "only for members");
      await expect(ann.getByRole("log").locator("li.message:not(.pending)")).toHaveCount(1);
      if (width < 832) await ann.getByRole("button", { name: "Members", exact: true }).click();
      expect(await violations(ann), "a private room").toEqual([]);
    });
  }
}
