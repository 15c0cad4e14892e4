import type { Page } from "@playwright/test";
import { test, expect, join, say, messageTexts } from "./natter";

async function expectSame(pages: Page[], texts: string[]) {
  for (const page of pages) {
    await expect(messageTexts(page)).toHaveText(texts, { timeout: 20_000 });
    await expect(page.getByRole("log").locator("li.pending")).toHaveCount(0);
  }
}

/** Says `text` and waits until the server has it: messages of two people are ordered as the
 * server receives them, so a conversation in a fixed order takes turns. */
async function sayInTurn(page: Page, text: string) {
  await say(page, text);
  await expect(messageTexts(page).last()).toHaveText(text, { timeout: 20_000 });
}

test("offline while the other user sends: everything arrives once, in order", async ({ browser, server }) => {
  const annContext = await browser.newContext();
  const ann = await annContext.newPage();
  const bob = await (await browser.newContext()).newPage();
  await join(ann, server.url, "ann");
  await join(bob, server.url, "bob");
  await say(ann, "before");
  await expectSame([ann, bob], ["before"]);

  await annContext.setOffline(true);
  await expect(ann.getByRole("status")).toHaveText("offline");
  await expect(ann.getByLabel("Message", { exact: true })).toBeDisabled();
  for (const text of ["while you were away 1", "while you were away 2", "while you were away 3"]) await say(bob, text);
  await annContext.setOffline(false);
  await expect(ann.getByRole("status")).toHaveText("connected", { timeout: 20_000 });
  await say(ann, "back");
  await expectSame([ann, bob], ["before", "while you were away 1", "while you were away 2", "while you were away 3", "back"]);
});

test("offline while this user sends: the outbox is resent once the connection is back", async ({ browser, server }) => {
  const annContext = await browser.newContext();
  const ann = await annContext.newPage();
  const bob = await (await browser.newContext()).newPage();
  await join(ann, server.url, "ann");
  await join(bob, server.url, "bob");

  // Sent and cut off at once: the messages wait as pending, then go out exactly once.
  const composer = ann.getByLabel("Message", { exact: true });
  await composer.fill("sent as the network dropped 1");
  await composer.press("Enter");
  await composer.fill("sent as the network dropped 2");
  await composer.press("Enter");
  await annContext.setOffline(true);
  await expect(ann.getByRole("status")).toHaveText("offline");
  await say(bob, "meanwhile");
  await annContext.setOffline(false);
  await expect(ann.getByRole("status")).toHaveText("connected", { timeout: 20_000 });
  // Both sides end with the same three messages, once each (their interleaving depends on
  // whether Ann's sends reached the server before the drop).
  await expect(messageTexts(bob)).toHaveCount(3, { timeout: 20_000 });
  const texts = await messageTexts(bob).allTextContents();
  await expectSame([ann, bob], texts);
  expect([...texts].sort()).toEqual(["meanwhile", "sent as the network dropped 1", "sent as the network dropped 2"]);
  // Ann's own messages kept their order.
  expect(texts.filter((t) => t.startsWith("sent"))).toEqual(["sent as the network dropped 1", "sent as the network dropped 2"]);
});

test("a server crash in the middle of a conversation loses and duplicates nothing", async ({ browser, server }) => {
  const ann = await (await browser.newContext()).newPage();
  const bob = await (await browser.newContext()).newPage();
  await join(ann, server.url, "ann");
  await join(bob, server.url, "bob");
  for (let i = 1; i <= 5; i++) await sayInTurn(i % 2 ? ann : bob, `m${i}`);
  await expectSame([ann, bob], ["m1", "m2", "m3", "m4", "m5"]);

  await server.kill();
  await expect(ann.getByRole("status")).toHaveText("reconnecting…");
  // The indicator's colour follows data-state, which the hydrated page keeps in step.
  await expect(ann.getByRole("status")).toHaveAttribute("data-state", "reconnecting");
  await server.restart();
  await expect(ann.getByRole("status")).toHaveText("connected", { timeout: 20_000 });
  await expect(ann.getByRole("status")).toHaveAttribute("data-state", "connected");
  await expect(bob.getByRole("status")).toHaveText("connected", { timeout: 20_000 });
  for (let i = 6; i <= 8; i++) await sayInTurn(i % 2 ? ann : bob, `m${i}`);
  const all = ["m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8"];
  await expectSame([ann, bob], all);
  await ann.reload();
  await expectSame([ann], all);
});

test("a graceful restart (SIGTERM): clients see it, come back by themselves and lose nothing", async ({ browser, server }) => {
  const ann = await (await browser.newContext()).newPage();
  const bob = await (await browser.newContext()).newPage();
  await join(ann, server.url, "ann");
  await join(bob, server.url, "bob");
  await say(ann, "before the restart");
  await expectSame([ann, bob], ["before the restart"]);

  // The server closes every connection with 1012 (restarting) and exits within 5 s.
  expect(await server.terminate()).toBeLessThan(5_000);
  await expect(ann.getByRole("status")).toHaveText("reconnecting…");
  await expect(ann.getByLabel("Message", { exact: true })).toBeDisabled();
  await server.restart();
  await expect(ann.getByRole("status")).toHaveText("connected", { timeout: 20_000 });
  await expect(bob.getByRole("status")).toHaveText("connected", { timeout: 20_000 });
  await say(bob, "after the restart");
  await expectSame([ann, bob], ["before the restart", "after the restart"]);
});
