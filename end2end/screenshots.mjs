// Writes docs/screenshots/{chat,rooms}-{390,1280}-{light,dark}.png: the chat with a few people
// talking in four languages, at a phone's and a laptop's width, in both themes.
// Run from end2end/ after `cargo leptos build --release`: node screenshots.mjs
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { createInterface } from "node:readline";
import { chromium } from "@playwright/test";

const root = path.resolve(import.meta.dirname, "..");
const out = path.join(root, "docs/screenshots");
const server = spawn(path.join(root, "target/release/natter"), ["--addr", "127.0.0.1:0", "--data-dir", mkdtempSync(path.join(tmpdir(), "natter-shots-"))], {
  env: { ...process.env, LEPTOS_SITE_ROOT: path.join(root, "target/site") },
  stdio: ["ignore", "pipe", "inherit"],
});
const url = await new Promise((ok) =>
  createInterface({ input: server.stdout }).on("line", (line) => {
    const found = line.match(/listening on (http:\/\/\S+)/);
    if (found) ok(found[1]);
  }),
);
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"] });

async function person(name, locale = "en-US") {
  const page = await (await browser.newContext({ locale, viewport: { width: 1280, height: 800 } })).newPage();
  await page.goto(url);
  await page.locator("#nickname").fill(name);
  await page.locator("form.join-form button[type=submit]").click();
  await page.waitForSelector(".status[data-state=connected]");
  return page;
}
async function say(page, text) {
  await page.locator("#composer-text").fill(text);
  await page.keyboard.press("Enter");
  await page.waitForTimeout(150);
}
const ana = await person("ana", "pt-BR");
const boris = await person("boris", "ru-RU");
const mei = await person("mei", "zh-CN");
await say(ana, "Bom dia! Alguém viu o **novo** deploy? 🚀");
await say(boris, "Да, всё прошло отлично, спасибо!");
await say(mei, "太好了，今天的会议改到下午三点。");
await say(ana, "Perfeito, até lá 👋");
await say(boris, "> до встречи\n\nдо встречи 🙂");
await say(boris, "И ещё: кто купит торт? 🎂");

for (const scheme of ["light", "dark"]) {
  for (const width of [390, 1280]) {
    const context = await browser.newContext({ colorScheme: scheme, viewport: { width, height: width < 800 ? 780 : 760 }, reducedMotion: "reduce" });
    const page = await context.newPage();
    await page.goto(url);
    await page.locator("#nickname").fill(`you-${scheme}-${width}`);
    await page.locator("form.join-form button[type=submit]").click();
    await page.waitForSelector(".status[data-state=connected]");
    await page.locator("#composer-text").fill("Hello everyone — glad to be here!");
    await page.keyboard.press("Enter");
    await page.waitForTimeout(400);
    // The pointer away from the messages, so none shows its hover actions.
    await page.mouse.move(width - 1, 1);
    await page.screenshot({ path: path.join(out, `chat-${width}-${scheme}.png`) });
    if (width < 800) {
      await page.locator("#rooms-button").click();
      await page.waitForTimeout(200);
      await page.screenshot({ path: path.join(out, `rooms-${width}-${scheme}.png`) });
    }
    await context.close();
  }
}
await browser.close();
server.kill();
console.log(`screenshots written to ${out}`);
