import { test, expect, join, say, messageTexts, seed, people, withoutMarks } from "./natter";

test("rooms: create, switch, own URL, unread counts across two users", async ({ browser, server }) => {
  const ann = await (await browser.newContext()).newPage();
  const bob = await (await browser.newContext()).newPage();
  await join(ann, server.url, "ann");
  await join(bob, server.url, "bob");

  // Bad names and duplicates get a clear error.
  await ann.getByLabel("New room").fill("no spaces");
  await ann.getByRole("button", { name: "Create" }).click();
  await expect(ann.getByRole("navigation").getByRole("alert")).toContainText("letters, digits");
  await ann.getByLabel("New room").fill("General");
  await ann.getByRole("button", { name: "Create" }).click();
  await expect(ann.getByRole("navigation").getByRole("alert")).toContainText("already exists");

  await ann.getByLabel("New room").fill("Rust");
  await ann.getByRole("button", { name: "Create" }).click();
  await expect(ann).toHaveURL(/\/r\/rust$/);
  await expect(ann.getByRole("heading", { level: 1 })).toHaveText("#rust");
  await expect(ann.getByRole("status")).toHaveText("connected");
  // Bob sees the new room appear without reloading.
  const bobRust = bob.getByRole("navigation").getByRole("link", { name: /^#rust/ });
  await expect(bobRust).toBeVisible();
  await bobRust.click();
  await expect(bob).toHaveURL(/\/r\/rust$/);
  await say(bob, "borrow checker says hi");
  await expect(messageTexts(ann)).toHaveText(["borrow checker says hi"]);

  // Ann goes to #general; Bob keeps talking in #rust: Ann's list counts it live.
  await ann.getByRole("navigation").getByRole("link", { name: /^#general/ }).click();
  await expect(ann).toHaveURL(/\/r\/general$/);
  await say(bob, "one");
  await say(bob, "two");
  await expect(ann.getByRole("link", { name: "#rust, 2 unread" })).toBeVisible();
  await ann.getByRole("link", { name: "#rust, 2 unread" }).click();
  await expect(messageTexts(ann)).toHaveText(["borrow checker says hi", "one", "two"]);
  await expect(ann.getByRole("navigation").getByRole("link", { name: /^#rust/ })).toHaveAccessibleName("#rust");

  // The room's own URL is server rendered with its history, and unknown rooms are 404.
  const cookies = await ann.context().cookies();
  const headers = { cookie: cookies.map((c) => `${c.name}=${c.value}`).join("; ") };
  const html = withoutMarks(await (await ann.request.get(`${server.url}/r/rust`, { headers })).text());
  expect(html).toContain(">borrow checker says hi</div>");
  const missing = await ann.request.get(`${server.url}/r/nowhere`, { headers });
  expect(missing.status()).toBe(404);
  await ann.goto(`${server.url}/r/nowhere`);
  await expect(ann.getByRole("heading", { name: "Not found" })).toBeVisible();
});

test("presence: who is here, one person in two tabs counts once, quiet join and leave lines", async ({ browser, server }) => {
  const bob = await (await browser.newContext()).newPage();
  await join(bob, server.url, "bob");
  const here = people(bob);
  await expect(here).toHaveText(["bob"]);

  const annContext = await browser.newContext();
  const annTab1 = await annContext.newPage();
  await join(annTab1, server.url, "ann");
  await expect(here).toHaveText(["ann", "bob"]);
  await expect(bob.getByRole("log").locator("li.system")).toHaveText(["ann joined"]);
  const annTab2 = await annContext.newPage();
  await annTab2.goto(server.url);
  await expect(annTab2.getByRole("status")).toHaveText("connected");
  await expect(people(annTab2)).toHaveText(["ann", "bob"]);
  await expect(here).toHaveText(["ann", "bob"]);

  await annTab1.close();
  await bob.waitForTimeout(4000);
  await expect(here).toHaveText(["ann", "bob"]);
  await annTab2.close();
  await expect(bob.getByRole("log").locator("li.system")).toHaveText(["ann joined", "ann left"], { timeout: 10_000 });
  await expect(here).toHaveText(["bob"]);
});

test("history pages load on scroll up without jumping; new messages button when scrolled up", async ({ browser, server }) => {
  const ann = await (await browser.newContext({ viewport: { width: 1000, height: 600 } })).newPage();
  await join(ann, server.url, "ann");
  await seed(ann, server.url, "general", Array.from({ length: 120 }, (_, i) => `message ${i + 1}`));
  await ann.reload();
  await expect(ann.getByRole("status")).toHaveText("connected");
  await expect(messageTexts(ann)).toHaveCount(50);
  await expect(messageTexts(ann).last()).toHaveText("message 120");
  await expect(messageTexts(ann).last()).toBeInViewport();

  const log = ann.getByRole("log");
  const anchor = log.getByText("message 71", { exact: true });
  await log.evaluate((el) => (el.scrollTop = 0));
  await expect(messageTexts(ann)).toHaveCount(100);
  // The reader still sees where they were: the old first message did not jump away.
  await expect(anchor).toBeInViewport();
  await log.evaluate((el) => (el.scrollTop = 0));
  await expect(messageTexts(ann)).toHaveCount(120);
  await expect(messageTexts(ann).first()).toHaveText("message 1");
  await expect(ann.getByRole("button", { name: "Load older messages" })).toHaveCount(0);

  // Scrolled up, new messages do not pull the reader down: a button offers them.
  const bob = await (await browser.newContext()).newPage();
  await join(bob, server.url, "bob");
  await say(bob, "are you there?");
  await expect(ann.getByRole("button", { name: "1 new message ↓" })).toBeVisible();
  await expect(messageTexts(ann).last()).not.toBeInViewport();
  await ann.getByRole("button", { name: "1 new message ↓" }).click();
  await expect(messageTexts(ann).last()).toHaveText("are you there?");
  await expect(messageTexts(ann).last()).toBeInViewport();
  await expect(ann.getByRole("button", { name: /new message/ })).toHaveCount(0);
  // At the bottom, the list follows new messages by itself.
  await say(bob, "again");
  await expect(messageTexts(ann).last()).toHaveText("again");
  await expect(messageTexts(ann).last()).toBeInViewport();
});

test("text in any script renders as sent, and limits count characters", async ({ browser, server }) => {
  const ann = await (await browser.newContext()).newPage();
  const bob = await (await browser.newContext()).newPage();
  await join(ann, server.url, "ann");
  await join(bob, server.url, "Борис");
  const texts = ["Привет, мир!", "你好，世界 — 日本語もOK", "👩🏽‍💻🚀 emoji 🎉", "שלום עולם", "مرحبا بالعالم"];
  for (const text of texts) await say(ann, text);
  await expect(messageTexts(bob)).toHaveText(texts);
  await expect(bob.getByRole("log").locator(".author").first()).toHaveText("ann");
  await expect(ann.getByRole("log").locator("li.message").last()).toHaveClass(/own/);
  // 4000 emoji are 4000 characters (not 16000 bytes): accepted.
  await say(ann, "😀".repeat(4000));
  await expect(messageTexts(bob).last()).toHaveText("😀".repeat(4000));
  // The browser counts graphemes too (Intl.Segmenter): a thumb with a skin tone is two code
  // points and one character, and so is "e" with a combining accent.
  await say(ann, "👍🏽".repeat(4000));
  await expect(messageTexts(bob).last()).toHaveText("👍🏽".repeat(4000));
  await ann.getByLabel("Message", { exact: true }).fill("e\u0301".repeat(4001));
  await ann.getByRole("button", { name: "Send" }).click();
  await expect(ann.getByRole("alert")).toHaveText("A message can have at most 4000 characters.");
  // Bob's own row offers no "Message" button (the browser folds names with String.normalize).
  await expect(bob.getByRole("button", { name: "Message ann" })).toBeVisible();
  await expect(bob.getByRole("button", { name: "Message Борис" })).toHaveCount(0);
});
