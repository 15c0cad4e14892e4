import { test, expect, join, say, messageTexts, withoutMarks } from "./natter";

test("two people chat live, own messages on the right", async ({ browser, server }) => {
  const ann = await (await browser.newContext()).newPage();
  const bob = await (await browser.newContext()).newPage();
  await join(ann, server.url, "ann");
  await join(bob, server.url, "bob");

  await say(ann, "hi bob 👋");
  await expect(messageTexts(bob)).toHaveText(["hi bob 👋"]);
  await bob.getByLabel("Message", { exact: true }).fill("hello ann\nsecond line");
  await bob.getByRole("button", { name: "Send" }).click();
  await expect(messageTexts(ann)).toHaveText(["hi bob 👋", "hello ann\nsecond line"]);
  await expect(messageTexts(bob)).toHaveText(["hi bob 👋", "hello ann\nsecond line"]);

  // Own messages sit on the right, others' on the left; each shows author and time.
  const annOwn = ann.getByRole("log").locator("li.message").first();
  await expect(annOwn).toHaveClass(/own/);
  await expect(annOwn.locator(".author")).toHaveText("ann");
  await expect(annOwn.locator("time")).toHaveAttribute("datetime", /\d{4}-\d\d-\d\dT/);
  const bobSeesAnn = bob.getByRole("log").locator("li.message").first();
  await expect(bobSeesAnn).not.toHaveClass(/own/);
  const [left, right] = await Promise.all([
    bobSeesAnn.boundingBox(),
    bob.getByRole("log").locator("li.message").nth(1).boundingBox(),
  ]);
  expect(left!.x).toBeLessThan(right!.x);

  // Shift+Enter makes a new line instead of sending.
  const composer = ann.getByLabel("Message", { exact: true });
  await composer.fill("line one");
  await composer.press("Shift+Enter");
  await composer.pressSequentially("line two");
  await expect(composer).toHaveValue("line one\nline two");
  await composer.press("Enter");
  await expect(messageTexts(bob).last()).toHaveText("line one\nline two");
});

test("the history is in the server-rendered HTML and new joiners see it", async ({ browser, server }) => {
  const ann = await (await browser.newContext()).newPage();
  await join(ann, server.url, "ann");
  for (const text of ["first", "second", "third"]) await say(ann, text);
  await expect(messageTexts(ann)).toHaveText(["first", "second", "third"]);

  // The raw HTML (before any WASM) already holds the history.
  const cookies = await ann.context().cookies();
  const response = await ann.request.get(server.url, {
    headers: { cookie: cookies.map((c) => `${c.name}=${c.value}`).join("; ") },
  });
  const html = withoutMarks(await response.text());
  for (const text of ["first", "second", "third"]) expect(html).toContain(`>${text}</div>`);

  const cat = await (await browser.newContext()).newPage();
  await join(cat, server.url, "cat");
  await expect(messageTexts(cat)).toHaveText(["first", "second", "third"]);
});

test("without JavaScript, joining and posting work as plain forms", async ({ browser, server }) => {
  const ann = await (await browser.newContext()).newPage();
  await join(ann, server.url, "ann");
  await say(ann, "can you hear me?");

  const context = await browser.newContext({ javaScriptEnabled: false });
  const noJs = await context.newPage();
  await noJs.goto(server.url);
  await noJs.getByLabel("Nickname").fill("lynx");
  await noJs.getByRole("button", { name: "Join" }).click();
  await expect(messageTexts(noJs)).toHaveText(["can you hear me?"]);
  await noJs.getByLabel("Message", { exact: true }).fill("loud and clear, no JS here");
  await noJs.getByRole("button", { name: "Send" }).click();
  await expect(messageTexts(noJs)).toHaveText(["can you hear me?", "loud and clear, no JS here"]);
  // The JavaScript user sees the form post live.
  await expect(messageTexts(ann)).toHaveText(["can you hear me?", "loud and clear, no JS here"]);

  // Errors show without JavaScript too.
  await noJs.getByLabel("Message", { exact: true }).fill("   ");
  await noJs.getByRole("button", { name: "Send" }).click();
  await expect(noJs.getByRole("alert")).toHaveText("A message cannot be empty.");
});

test("bad input shows a clear error to that user only", async ({ browser, server }) => {
  const ann = await (await browser.newContext()).newPage();
  await ann.goto(server.url);
  await ann.getByLabel("Nickname").fill("   ");
  await ann.getByRole("button", { name: "Join" }).click();
  await expect(ann.getByRole("alert")).toHaveText("Please choose a nickname.");
  await ann.getByLabel("Nickname").fill("x".repeat(33));
  await ann.getByRole("button", { name: "Join" }).click();
  await expect(ann.getByRole("alert")).toHaveText("A nickname can have at most 32 characters.");
  await join(ann, server.url, "ann");

  const bob = await (await browser.newContext()).newPage();
  await join(bob, server.url, "bob");
  await say(ann, "   ");
  await expect(ann.getByRole("alert")).toHaveText("A message cannot be empty.");
  await ann.getByLabel("Message", { exact: true }).fill("z".repeat(4001));
  await ann.getByRole("button", { name: "Send" }).click();
  await expect(ann.getByRole("alert")).toHaveText("A message can have at most 4000 characters.");
  await say(ann, "a fine message");
  await expect(messageTexts(bob)).toHaveText(["a fine message"]);
  await expect(bob.getByRole("alert")).toHaveCount(0);
});

test("a server restart loses nothing and clients reconnect by themselves", async ({ browser, server }) => {
  const ann = await (await browser.newContext()).newPage();
  const bob = await (await browser.newContext()).newPage();
  await join(ann, server.url, "ann");
  await join(bob, server.url, "bob");
  await say(ann, "before the crash");
  await expect(messageTexts(bob)).toHaveText(["before the crash"]);

  await server.kill();
  await expect(ann.getByRole("status")).toHaveText(/reconnecting…|offline/);
  await expect(ann.getByLabel("Message", { exact: true })).toBeDisabled();
  await expect(ann.getByRole("button", { name: "Send" })).toBeDisabled();

  await server.restart();
  await expect(ann.getByRole("status")).toHaveText("connected", { timeout: 20_000 });
  await expect(bob.getByRole("status")).toHaveText("connected", { timeout: 20_000 });
  await say(bob, "after the restart");
  await expect(messageTexts(ann)).toHaveText(["before the crash", "after the restart"]);

  await ann.reload();
  await expect(messageTexts(ann)).toHaveText(["before the crash", "after the restart"]);
});
