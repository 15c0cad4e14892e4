// The interface in English, Russian, Brazilian Portuguese and Simplified Chinese: chosen from
// the browser's Accept-Language, switched in the interface (with and without JavaScript) and
// remembered. Expected texts are read from the catalogues (i18n/locales), found by their
// English text, so the test checks that what is shown is the catalogue's translation.
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import type { Browser, Page } from "@playwright/test";
import { test, expect, say, messageTexts, watch } from "./natter";

const localesDir = path.join(__dirname, "../../i18n/locales");

/** The single-line messages of a locale's catalogues: id → text. */
function catalogue(tag: string): Map<string, string> {
  const texts = new Map<string, string>();
  for (const file of readdirSync(path.join(localesDir, tag)).filter((f) => f.endsWith(".ftl"))) {
    for (const line of readFileSync(path.join(localesDir, tag, file), "utf8").split("\n")) {
      const found = line.match(/^([a-z][a-z0-9-]*)\s*=\s*(\S.*)$/);
      if (found && !found[2].includes("{")) texts.set(found[1], found[2].trim());
    }
  }
  return texts;
}

const english = catalogue("en");

/** The text that `tag` shows where English shows `text`. */
function tr(tag: string, text: string): string {
  const ids = [...english].filter(([, value]) => value === text).map(([id]) => id);
  expect(ids.length, `"${text}" in the English catalogue`).toBeGreaterThan(0);
  const translated = catalogue(tag).get(ids[0]);
  expect(translated, `${ids[0]} in ${tag}`).toBeTruthy();
  return translated!;
}

/** 👍's name in each language (CLDR's), and a word of that language it is found by. */
const EMOJI: Record<string, [string, string]> = {
  en: ["thumbs up", "+1"],
  ru: ["большой палец вверх", "лайк"],
  "pt-BR": ["polegar para cima", "joia"],
  "zh-CN": ["拇指向上", "赞"],
};

/** A browser whose language is `locale` (Chromium sends it as Accept-Language). */
async function open(browser: Browser, url: string, locale: string, javaScriptEnabled = true): Promise<Page> {
  const context = await browser.newContext({ locale, javaScriptEnabled });
  const page = await context.newPage();
  watch(page);
  await page.goto(url);
  return page;
}

for (const [accept, tag] of [
  ["ru-RU", "ru"],
  ["pt-BR", "pt-BR"],
  ["pt-PT", "pt-BR"],
  ["zh-CN", "zh-CN"],
  ["de-DE", "en"],
]) {
  test(`a browser in ${accept} gets the interface in ${tag}`, async ({ browser, server }) => {
    const page = await open(browser, server.url, accept);
    expect((await page.request.get(server.url)).ok()).toBe(true);
    await expect(page.locator("html")).toHaveAttribute("lang", tag);
    await page.getByLabel(tr(tag, "Nickname")).fill("ana");
    await page.getByRole("button", { name: tr(tag, "Join"), exact: true }).click();
    await expect(page.getByRole("status")).toHaveText(tr(tag, "connected"));
    const composer = page.getByLabel(tr(tag, "Message"), { exact: true });
    await composer.fill("olá 你好 привет");
    await page.getByRole("button", { name: tr(tag, "Send"), exact: true }).click();
    await expect(messageTexts(page)).toHaveText(["olá 你好 привет"]);
    if (tag !== "en") {
      // Nothing English left in the main controls.
      await expect(page.getByRole("button", { name: "Send", exact: true })).toHaveCount(0);
      await expect(page.getByLabel("Message", { exact: true })).toHaveCount(0);
    }
    // The reaction picker names emoji in the language, and finds them by its words and by
    // English ones.
    const [thumbs, word] = EMOJI[tag];
    const message = page.getByRole("log").locator("li.message").filter({ hasText: "olá 你好 привет" });
    await message.hover();
    await message.getByRole("button", { name: tr(tag, "React"), exact: true }).click();
    const picker = page.getByRole("dialog", { name: tr(tag, "Choose a reaction") });
    await expect(picker.getByRole("button", { name: thumbs, exact: true })).toBeVisible();
    const search = picker.getByLabel(tr(tag, "Search emoji"));
    await search.fill(word);
    await expect(picker.getByRole("button", { name: thumbs, exact: true })).toBeVisible();
    await search.fill("thumbs");
    await picker.getByRole("button", { name: thumbs, exact: true }).click();
    await expect(message.getByRole("button", { name: /^👍 1/ })).toBeVisible();
  });
}

test("the language is switched in the interface, remembered, and refused errors come in it", async ({ browser, server }) => {
  const page = await open(browser, server.url, "en-US");
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await page.getByLabel("Language").selectOption("ru");
  await page.getByRole("button", { name: "Change language" }).click();
  await expect(page.locator("html")).toHaveAttribute("lang", "ru");
  await expect(page.getByLabel(tr("ru", "Nickname"))).toBeVisible();
  // Remembered: a reload and a new tab of the same browser stay in Russian.
  await page.reload();
  await expect(page.locator("html")).toHaveAttribute("lang", "ru");
  const tab = await page.context().newPage();
  await tab.goto(server.url);
  await expect(tab.locator("html")).toHaveAttribute("lang", "ru");
  // A refusal from the server is in Russian too.
  await page.getByLabel(tr("ru", "Nickname")).fill("  ");
  await page.getByRole("button", { name: tr("ru", "Join"), exact: true }).click();
  const alert = page.locator("main.join [role=alert]");
  await expect(alert).not.toBeEmpty();
  expect(await alert.textContent()).toMatch(/[а-яё]/i);
  // Inside the chat, and back to English from there.
  await page.getByLabel(tr("ru", "Nickname")).fill("boris");
  await page.getByRole("button", { name: tr("ru", "Join"), exact: true }).click();
  await expect(page.getByRole("status")).toHaveText(tr("ru", "connected"));
  await page.getByLabel(tr("ru", "Language")).selectOption("en");
  await page.getByRole("button", { name: tr("ru", "Change language") }).click();
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await expect(page.getByRole("status")).toHaveText("connected");
});

test("the language menu works without JavaScript", async ({ browser, server }) => {
  const page = await open(browser, server.url, "en", false);
  await page.getByLabel("Language").selectOption("zh-CN");
  await page.getByRole("button", { name: "Change language" }).click();
  await expect(page.locator("html")).toHaveAttribute("lang", "zh-CN");
  await expect(page.getByLabel(tr("zh-CN", "Nickname"))).toBeVisible();
  expect(new URL(page.url()).pathname).toBe("/");
});
