import { test, expect, join, say, messageTexts } from "./natter";

test("others see the draft as it is typed, cleared on send and on clearing", async ({ browser, server }) => {
  const ann = await (await browser.newContext()).newPage();
  const bob = await (await browser.newContext()).newPage();
  await join(ann, server.url, "ann");
  await join(bob, server.url, "bob");
  const typing = bob.getByLabel("Typing");
  const composer = ann.getByLabel("Message", { exact: true });

  await composer.pressSequentially("hel", { delay: 30 });
  await expect(typing).toHaveText("ann: hel▍");
  await composer.pressSequentially("lo there", { delay: 30 });
  await expect(typing).toHaveText("ann: hello there▍");
  await composer.fill("");
  await expect(typing).toHaveText("");
  await composer.pressSequentially("final words", { delay: 10 });
  await expect(typing).toHaveText("ann: final words▍");
  await composer.press("Enter");
  await expect(messageTexts(bob)).toHaveText(["final words"]);
  await expect(typing).toHaveText("");
  // Nobody sees their own draft.
  await expect(ann.getByLabel("Typing")).toHaveText("");
});

test("a draft disappears 5 s after the last keystroke", async ({ browser, server }) => {
  const ann = await (await browser.newContext()).newPage();
  const bob = await (await browser.newContext()).newPage();
  await join(ann, server.url, "ann");
  await join(bob, server.url, "bob");
  await ann.getByLabel("Message", { exact: true }).pressSequentially("thinking", { delay: 20 });
  await expect(bob.getByLabel("Typing")).toHaveText("ann: thinking▍");
  await expect(bob.getByLabel("Typing")).toHaveText("", { timeout: 8000 });
});

test("with sharing off, others see only that the person is typing", async ({ browser, server }) => {
  const ann = await (await browser.newContext()).newPage();
  const bob = await (await browser.newContext()).newPage();
  await join(ann, server.url, "ann");
  await join(bob, server.url, "bob");
  const share = ann.getByLabel("Share what I type");
  await expect(share).toBeChecked();
  await share.uncheck();

  // Watch every frame Bob receives: the secret must never reach him.
  const frames: string[] = [];
  bob.on("websocket", (ws) => ws.on("framereceived", (f) => frames.push(String(f.payload))));
  await bob.reload();
  await expect(bob.getByRole("status")).toHaveText("connected");

  await ann.getByLabel("Message", { exact: true }).pressSequentially("my secret plan", { delay: 30 });
  await expect(bob.getByLabel("Typing")).toHaveText("ann is typing…");
  await ann.getByLabel("Message", { exact: true }).press("Enter");
  await expect(messageTexts(bob)).toHaveText(["my secret plan"]);
  const draftsSeen = frames.filter((f) => f.includes('"typing"'));
  expect(draftsSeen.length).toBeGreaterThan(0);
  expect(draftsSeen.some((f) => f.includes("secret"))).toBe(false);

  // The choice is remembered by the browser.
  await ann.reload();
  await expect(ann.getByLabel("Share what I type")).not.toBeChecked();
});
