// Scenario (e) of natter-bench: milliseconds from navigation start to the live connection
// showing "connected", for a returning visitor (session cookie set), in headless Chromium:
// with the browser's cache warm, empty, and empty on a slow mobile network (Lighthouse's
// mobile profile: 1.6 Mbps down, 750 kbps up, 150 ms round trips), where the page's weight shows.
// Usage: node connect-time.mjs http://127.0.0.1:PORT [runs]. Prints one JSON line.
import { chromium } from "@playwright/test";

const [url, runsArg] = process.argv.slice(2);
const runs = Number(runsArg ?? 5);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});

/** Navigates `page` to the chat and returns performance.now() when it shows connected. */
async function timeToConnected(page) {
  await page.goto(url);
  const handle = await page.waitForFunction(
    () => document.querySelector('[role="status"]')?.textContent === "connected" && performance.now(),
    undefined,
    { polling: "raf", timeout: 30_000 },
  );
  return Math.round(await handle.jsonValue());
}

try {
  const first = await browser.newContext();
  const page = await first.newPage();
  await page.goto(url);
  await page.getByLabel("Nickname").fill("page-bench");
  await page.getByRole("button", { name: "Join" }).click();
  await page.waitForFunction(() => document.querySelector('[role="status"]')?.textContent === "connected");
  const cookies = await first.cookies();
  const warm = [];
  for (let i = 0; i < runs; i++) warm.push(await timeToConnected(await first.newPage()));
  const cold = [];
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext();
    await context.addCookies(cookies);
    cold.push(await timeToConnected(await context.newPage()));
    await context.close();
  }
  const throttled = [];
  for (let i = 0; i < Math.min(runs, 3); i++) {
    const context = await browser.newContext();
    await context.addCookies(cookies);
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 150,
      downloadThroughput: (1.6e6 / 8) * 0.9,
      uploadThroughput: (750e3 / 8) * 0.9,
    });
    throttled.push(await timeToConnected(page));
    await context.close();
  }
  console.log(JSON.stringify({ warm, cold, throttled }));
} finally {
  await browser.close();
}
