// Files and images between two people: attached through the button, pasted, dropped; shown
// inline with their shape reserved, opened in a viewer, downloaded with their names and
// without their metadata; never rendered as a page in Natter's origin; limits and private
// rooms enforced.
import * as path from "node:path";
import { readFileSync } from "node:fs";
import AxeBuilder from "@axe-core/playwright";
import type { Browser, Page } from "@playwright/test";
import { test, expect, join, say } from "./natter";

const photo = path.join(__dirname, "../fixtures/gps-photo.jpg");

/** Ann, who sends, and Bob, who receives and downloads, both in #general. */
async function twoPeople(browser: Browser, url: string): Promise<[Page, Page]> {
  const ann = await (await browser.newContext()).newPage();
  const bob = await (await browser.newContext({ acceptDownloads: true })).newPage();
  await join(ann, url, "ann");
  await join(bob, url, "bob");
  return [ann, bob];
}

/** axe-core's WCAG 2.2 A/AA violations on the page, in the light and the dark theme. */
async function violations(page: Page): Promise<string[]> {
  const found: string[] = [];
  for (const colorScheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme });
    const results = await new AxeBuilder({ page })
      .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"])
      .analyze();
    found.push(...results.violations.map((v) => `${colorScheme}: ${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join("; ")}`));
  }
  await page.emulateMedia({ colorScheme: null });
  return found;
}

/** Waits until every file in the composer is up. */
async function uploaded(page: Page, count: number) {
  await expect(page.locator(".upload[data-state=done]")).toHaveCount(count, { timeout: 20_000 });
}

/** The bytes of a download that clicking `action` starts. */
async function download(page: Page, action: () => Promise<void>) {
  const [started] = await Promise.all([page.waitForEvent("download"), action()]);
  return { name: started.suggestedFilename(), bytes: readFileSync((await started.path())!) };
}

test("a photo sent through Attach file shows for the other person, opens in the viewer and downloads without its GPS position", async ({
  browser,
  server,
}) => {
  const [ann, bob] = await twoPeople(browser, server.url);
  expect(readFileSync(photo).includes("SecretCam")).toBe(true);

  await ann.getByLabel("Attach file").setInputFiles(photo);
  await expect(ann.getByRole("list", { name: "Files to send" })).toContainText("gps-photo.jpg");
  await uploaded(ann, 1);
  await say(ann, "our trip");

  const open = bob.getByRole("link", { name: "Open image gps-photo.jpg" });
  await expect(open).toBeVisible();
  // Its shape is reserved before it loads: turned by its EXIF orientation, 480×640 shown at 180×240.
  const thumb = open.locator("img");
  await expect(thumb).toHaveAttribute("width", "180");
  await expect(thumb).toHaveAttribute("height", "240");
  await expect.poll(() => thumb.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);

  await open.click();
  const viewer = bob.getByRole("dialog", { name: "Image viewer" });
  await expect(viewer).toBeVisible();
  await expect(viewer.getByRole("button", { name: "Close" })).toBeFocused();
  await bob.keyboard.press("Escape");
  await expect(viewer).toBeHidden();
  await expect(open).toBeFocused();

  await open.click();
  const file = await download(bob, () => viewer.getByRole("link", { name: "Download" }).click());
  expect(file.name).toBe("gps-photo.jpg");
  expect([...file.bytes.subarray(0, 2)]).toEqual([0xff, 0xd8]);
  expect(file.bytes.includes("SecretCam")).toBe(false);
  expect(file.bytes.includes("Exif")).toBe(false);
});

test("an image pasted into the composer and a text file dropped on the conversation arrive, the file with its name", async ({
  browser,
  server,
}) => {
  const [ann, bob] = await twoPeople(browser, server.url);

  await ann.getByLabel("Message", { exact: true }).evaluate(async (field) => {
    const canvas = document.createElement("canvas");
    canvas.width = 60;
    canvas.height = 40;
    const context = canvas.getContext("2d")!;
    context.fillStyle = "#c33";
    context.fillRect(0, 0, 60, 40);
    const blob = await new Promise<Blob>((done) => canvas.toBlob((b) => done(b!), "image/png"));
    const data = new DataTransfer();
    data.items.add(new File([blob], "image.png", { type: "image/png" }));
    field.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
  });
  await uploaded(ann, 1);
  await ann.getByRole("button", { name: "Send" }).click();
  await expect(bob.getByRole("link", { name: /^Open image image\./ })).toBeVisible();

  const data = await ann.evaluateHandle(() => {
    const transfer = new DataTransfer();
    transfer.items.add(new File(["hello from a file\n"], "notes for today.txt", { type: "text/plain" }));
    return transfer;
  });
  const conversation = ann.locator("main.conversation");
  await conversation.dispatchEvent("dragover", { dataTransfer: data });
  await conversation.dispatchEvent("drop", { dataTransfer: data });
  await uploaded(ann, 1);
  await say(ann, "the notes");

  const link = bob.getByRole("link", { name: /notes for today\.txt/ });
  await expect(link).toContainText("18 bytes");
  const file = await download(bob, () => link.click());
  expect(file.name).toBe("notes for today.txt");
  expect(file.bytes.toString()).toBe("hello from a file\n");
});

test("several files go at once, each with a caption of its own or none", async ({ browser, server }) => {
  const [ann, bob] = await twoPeople(browser, server.url);
  await ann.getByLabel("Attach file").setInputFiles([
    { name: "gps-photo.jpg", mimeType: "image/jpeg", buffer: readFileSync(photo) },
    { name: "plan.txt", mimeType: "text/plain", buffer: Buffer.from("step one\n") },
  ]);
  await uploaded(ann, 2);
  const caption = ann.getByRole("textbox", { name: "Caption for gps-photo.jpg" });
  await caption.fill("from the top");
  await expect(ann.getByRole("textbox", { name: "Caption for plan.txt" })).toHaveValue("");
  expect(await violations(ann), "the composer with files and captions").toEqual([]);
  // Enter in a caption sends the message, as in the message box.
  await caption.press("Enter");
  await expect(ann.getByRole("list", { name: "Files to send" })).toBeHidden();

  const open = bob.getByRole("link", { name: "Open image gps-photo.jpg" });
  const image = bob.locator(".attachment").filter({ has: open });
  await expect(image.locator(".attachment-caption")).toHaveText("from the top");
  const plan = bob.locator(".attachment").filter({ hasText: "plan.txt" });
  await expect(plan).toBeVisible();
  await expect(plan.locator(".attachment-caption")).toHaveCount(0);
  expect(await violations(bob), "files with captions").toEqual([]);
  await open.click();
  await expect(bob.getByRole("dialog", { name: "Image viewer" })).toContainText("from the top");
  await bob.keyboard.press("Escape");

  // Stored with the message: whoever comes later sees it.
  const carol = await (await browser.newContext()).newPage();
  await join(carol, server.url, "carol");
  await expect(carol.locator(".attachment").filter({ has: carol.getByRole("link", { name: "Open image gps-photo.jpg" }) })).toContainText(
    "from the top",
  );
});

test("an upload cut off by a lost connection starts again once back online, and its message goes once", async ({
  browser,
  server,
}) => {
  const [ann, bob] = await twoPeople(browser, server.url);
  // The upload is held on its way until the connection is gone.
  let held: () => void = () => {};
  const released = new Promise<void>((done) => (held = done));
  let attempts = 0;
  await ann.route("**/api/files**", async (route) => {
    attempts += 1;
    if (attempts === 1) await released;
    await route.continue().catch(() => {});
  });
  await ann.getByLabel("Attach file").setInputFiles({
    name: "minutes.txt",
    mimeType: "text/plain",
    buffer: Buffer.from("we agreed on Friday\n"),
  });
  await expect(ann.locator(".upload[data-state=uploading]")).toHaveCount(1);
  // Sent before the file is up: it waits for it.
  await ann.getByLabel("Message", { exact: true }).fill("the minutes");
  await ann.getByRole("button", { name: "Send" }).click();
  await expect(ann.getByRole("list", { name: "Files to send" }).getByRole("status")).toHaveText(
    "The message is sent once its files are up.",
  );

  await ann.context().setOffline(true);
  await expect(ann.getByRole("status").first()).not.toHaveText("connected");
  held();
  await expect(ann.locator(".upload[data-state=failed] .upload-error")).toContainText("connection was lost");
  await ann.context().setOffline(false);

  // Back online: the upload starts again by itself, and the message goes with it, once.
  const file = bob.getByRole("link", { name: /minutes\.txt/ });
  await expect(file).toBeVisible({ timeout: 20_000 });
  expect(attempts).toBe(2);
  await expect(bob.getByRole("log").locator("li.message").filter({ hasText: "the minutes" })).toHaveCount(1);
  await bob.waitForTimeout(1000);
  await expect(bob.getByRole("log").locator("li.message").filter({ hasText: "the minutes" })).toHaveCount(1);
  await expect(ann.getByRole("list", { name: "Files to send" })).toBeHidden();
});

test("HTML and SVG files are downloads, never pages in Natter's origin; an oversized file gets a clear error", async ({
  browser,
  server,
}) => {
  const [ann, bob] = await twoPeople(browser, server.url);
  await ann.getByLabel("Attach file").setInputFiles([
    { name: "page.html", mimeType: "text/html", buffer: Buffer.from("<script>document.title='pwned'</script>") },
    {
      name: "drawing.svg",
      mimeType: "image/svg+xml",
      buffer: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>document.title="pwned"</script></svg>'),
    },
  ]);
  await uploaded(ann, 2);
  await say(ann, "open these");

  for (const name of ["page.html", "drawing.svg"]) {
    const link = bob.getByRole("link", { name: new RegExp(name.replace(".", "\\.")) });
    await expect(link).toBeVisible();
    const href = (await link.getAttribute("href"))!;
    const response = await bob.request.get(server.url + href);
    expect(response.headers()["content-disposition"]).toMatch(/^attachment;/);
    expect(response.headers()["content-security-policy"]).toContain("sandbox");
    expect(response.headers()["x-content-type-options"]).toBe("nosniff");
    // Followed, it downloads: the page stays the chat and nothing ran.
    const file = await download(bob, () => link.click());
    expect(file.name).toBe(name);
    // (The address is not compared with a pattern of its own: what matters is that the file
    // never became the page, and that the chat is still there, live.)
    expect(new URL(bob.url()).pathname.startsWith("/files/")).toBe(false);
    await expect(bob.getByRole("status")).toHaveText("connected");
    expect(await bob.title()).not.toBe("pwned");
  }

  await ann.getByLabel("Attach file").setInputFiles({
    name: "huge.bin",
    mimeType: "application/octet-stream",
    buffer: Buffer.alloc(25 * 1024 * 1024 + 1),
  });
  await expect(ann.locator(".upload[data-state=failed] .upload-error")).toHaveText("The file is larger than the 26 MB allowed.");
  await ann.getByRole("button", { name: "Remove huge.bin" }).click();
  await expect(ann.getByRole("list", { name: "Files to send" })).toBeHidden();
});

test("a members-only room's file is refused to a non-member", async ({ browser, server }) => {
  const ann = await (await browser.newContext()).newPage();
  const cat = await (await browser.newContext()).newPage();
  await join(ann, server.url, "ann");
  await join(cat, server.url, "cat");
  await ann.getByLabel("New room").fill("plans");
  await ann.getByLabel("Private: only people I invite").check();
  await ann.getByRole("button", { name: "Create" }).click();
  await expect(ann).toHaveURL(/\/r\/plans$/);
  await expect(ann.getByRole("status")).toHaveText("connected");
  await ann.getByLabel("Attach file").setInputFiles(photo);
  await uploaded(ann, 1);
  await say(ann, "the venue");
  const href = (await ann.getByRole("link", { name: "Open image gps-photo.jpg" }).getAttribute("href"))!;

  expect((await ann.request.get(server.url + href)).status()).toBe(200);
  expect((await cat.request.get(server.url + href)).status()).toBe(404);
  const thumb = href.replace(/\/[^/]+$/, "/thumb");
  expect((await cat.request.get(server.url + thumb)).status()).toBe(404);
});
