// What people do in a chat every day, between two people in two browsers: replies, reactions,
// edits, deletions, mentions with notifications, search, formatting — live, after a reload,
// and through an offline/online cycle (each change replayed exactly once).
import type { Page } from "@playwright/test";
import { test, expect, join, say, messageTexts } from "./natter";

/** The list item of the message whose text is `text`. */
function messageWith(page: Page, text: string | RegExp) {
  return page.getByRole("log").locator("li.message:not(.pending)").filter({ has: page.locator(".text", { hasText: text }) });
}

/** Shows a message's actions the way a mouse does. */
async function act(page: Page, text: string, action: "Reply" | "React" | "Edit" | "Delete") {
  const item = messageWith(page, text).last();
  await item.hover();
  await item.getByRole("button", { name: action, exact: true }).click();
}

/** A notification spy: every `new Notification(title, options)` is recorded, permission granted. */
async function spyOnNotifications(page: Page) {
  await page.addInitScript(() => {
    const shown: { title: string; body?: string }[] = [];
    (window as unknown as { shownNotifications: typeof shown }).shownNotifications = shown;
    class FakeNotification {
      static permission = "granted";
      static requestPermission() {
        return Promise.resolve("granted");
      }
      onclick: unknown = null;
      constructor(title: string, options?: { body?: string }) {
        shown.push({ title, body: options?.body });
      }
      close() {}
    }
    (window as unknown as { Notification: unknown }).Notification = FakeNotification;
  });
}

async function hideTab(page: Page) {
  await page.evaluate(() => {
    Object.defineProperty(document, "hidden", { configurable: true, get: () => true });
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" });
    document.dispatchEvent(new Event("visibilitychange"));
  });
}

test("reply, react, edit and delete: live on both sides and after a reload", async ({ browser, server }) => {
  const ann = await (await browser.newContext()).newPage();
  const bob = await (await browser.newContext()).newPage();
  await join(ann, server.url, "ann");
  await join(bob, server.url, "bob");

  await say(ann, "Lunch at noon?\nOr later, if you prefer");
  await expect(messageTexts(bob)).toHaveCount(1);
  // Bob replies: the reply quotes the first line of the original.
  await act(bob, "Lunch at noon?", "Reply");
  await expect(bob.getByText("Replying to")).toBeVisible();
  await expect(bob.getByLabel("Message", { exact: true })).toBeFocused();
  await say(bob, "noon works");
  const reply = messageWith(ann, "noon works");
  await expect(reply.locator(".quote")).toContainText("ann");
  await expect(reply.locator(".quote")).toContainText("Lunch at noon?");
  await expect(bob.getByText("Replying to")).toHaveCount(0);

  // Ann reacts with a quick one from the picker; Bob sees the count and who, and adds his.
  await act(ann, "noon works", "React");
  await ann.getByRole("dialog", { name: "Choose a reaction" }).getByRole("button", { name: "thumbs up" }).click();
  const bobsThumbs = messageWith(bob, "noon works").getByRole("button", { name: /^👍 1: ann$/ });
  await expect(bobsThumbs).toBeVisible();
  await expect(bobsThumbs).toHaveAttribute("aria-pressed", "false");
  await bobsThumbs.click();
  await expect(messageWith(ann, "noon works").getByRole("button", { name: /^👍 2: ann, bob$/ })).toBeVisible();
  // And takes it back by clicking again.
  await messageWith(bob, "noon works").getByRole("button", { name: /^👍 2/ }).click();
  await expect(messageWith(ann, "noon works").getByRole("button", { name: /^👍 1: ann$/ })).toBeVisible();
  // The picker's search finds any emoji by name.
  await act(bob, "noon works", "React");
  const picker = bob.getByRole("dialog", { name: "Choose a reaction" });
  await picker.getByLabel("Search emoji").fill("taco");
  await picker.getByRole("button", { name: "taco" }).click();
  await expect(messageWith(ann, "noon works").getByRole("button", { name: /^🌮 1: bob$/ })).toBeVisible();

  // Ann edits her message: "edited" on both sides, the reply's quote still points at it.
  await act(ann, "Lunch at noon?", "Edit");
  const editor = ann.getByLabel("Edit message");
  await editor.fill("Lunch at **one**?");
  await editor.press("Enter");
  const edited = messageWith(bob, "Lunch at one?");
  await expect(edited.locator(".edited")).toHaveText("(edited)");
  await expect(edited.locator(".text strong")).toHaveText("one");
  // Only the author may edit or delete.
  await messageWith(bob, "Lunch at one?").hover();
  await expect(messageWith(bob, "Lunch at one?").getByRole("button", { name: "Edit", exact: true })).toHaveCount(0);

  // Bob deletes his reply: a tombstone stays in place for both.
  await act(bob, "noon works", "Delete");
  await expect(ann.getByRole("log").locator("li.message .text.deleted")).toHaveText("message deleted");
  await expect(ann.getByRole("log")).not.toContainText("noon works");
  await expect(ann.getByLabel("Message", { exact: true })).not.toBeFocused().catch(() => undefined);

  // After a reload, everything is as it was left.
  for (const page of [ann, bob]) {
    await page.reload();
    await expect(page.getByRole("status")).toHaveText("connected");
    await expect(messageTexts(page)).toHaveText(["Lunch at one?", "message deleted"]);
    await expect(messageWith(page, "Lunch at one?").locator(".edited")).toHaveText("(edited)");
  }
  // The text of a deleted message is gone from the page sent by the server, too.
  const cookies = await bob.context().cookies();
  const html = await (await bob.request.get(`${server.url}/r/general`, { headers: { cookie: cookies.map((c) => `${c.name}=${c.value}`).join("; ") } })).text();
  expect(html).not.toContain("noon works");
});

test("a reply's quote jumps to the original, loading older history", async ({ browser, server }) => {
  const ann = await (await browser.newContext()).newPage();
  await join(ann, server.url, "ann");
  await say(ann, "the very first message");
  await expect(messageTexts(ann)).toHaveCount(1);
  // 60 more messages, then a reply to the first: the original is out of the loaded page.
  const cookies = await ann.context().cookies();
  const cookie = cookies.map((c) => `${c.name}=${c.value}`).join("; ");
  const post = async (fields: Record<string, string>) => {
    const response = await ann.request.post(`${server.url}/api/post`, {
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      data: new URLSearchParams({ room: "general", ...fields }).toString(),
      maxRedirects: 0,
    });
    expect(response.status()).toBeLessThan(400);
  };
  for (let i = 0; i < 60; i++) await post({ client_id: `fill-${i}`, text: `filler ${i}` });
  await post({ client_id: "the-reply", text: "answering the first", reply_to: "1" });
  await ann.reload();
  await expect(ann.getByRole("status")).toHaveText("connected");
  await expect(messageWith(ann, "the very first message")).toHaveCount(0);
  const quote = messageWith(ann, "answering the first").locator(".quote");
  await expect(quote).toHaveAccessibleName("In reply to ann: the very first message");
  await quote.click();
  const original = messageWith(ann, "the very first message");
  await expect(original).toHaveClass(/focused/);
  await expect(original).toBeInViewport();
  // The list stayed whole: every message from the first to the reply, once.
  await expect(messageTexts(ann)).toHaveCount(62);
});

test("mentions: autocomplete, a highlighted message, a badge, the title and a notification", async ({ browser, server }) => {
  const annContext = await browser.newContext();
  const ann = await annContext.newPage();
  await spyOnNotifications(ann);
  const bob = await (await browser.newContext()).newPage();
  await join(ann, server.url, "ann");
  await join(bob, server.url, "bob");
  // Ann switches notifications on (the test's browser granted the permission).
  await ann.getByLabel("Notify me of mentions").check();
  // Ann goes to another room, so general's mentions stay unread.
  await ann.getByRole("textbox", { name: "New room" }).fill("elsewhere");
  await ann.getByRole("button", { name: "Create" }).click();
  await expect(ann).toHaveURL(/\/r\/elsewhere$/);
  await hideTab(ann);

  // Bob types "@a" and picks Ann from the list.
  const composer = bob.getByLabel("Message", { exact: true });
  await composer.pressSequentially("hey @a");
  const options = bob.getByRole("listbox", { name: "People to mention" });
  await expect(options.getByRole("option", { name: "@ann" })).toBeVisible();
  await composer.press("Enter");
  await expect(composer).toHaveValue("hey @ann ");
  await composer.pressSequentially("are you in?");
  await composer.press("Enter");
  await expect(messageWith(bob, "are you in?").locator("mark.mention")).toHaveText("@ann");

  // Ann: a mention badge distinct from the unread count, in the link's name too.
  const general = ann.getByRole("navigation", { name: "Rooms" }).getByRole("link", { name: /^#general/ });
  await expect(general).toHaveAccessibleName("#general, 1 unread, 1 mention");
  await expect(general.locator(".mention-badge")).toHaveText("@1");
  await expect(ann).toHaveTitle("(1) Natter");
  await expect.poll(() => ann.evaluate(() => (window as unknown as { shownNotifications: { title: string }[] }).shownNotifications.length)).toBe(1);
  const [shown] = await ann.evaluate(() => (window as unknown as { shownNotifications: { title: string; body?: string }[] }).shownNotifications);
  expect(shown.title).toBe("bob mentioned you in #general");
  expect(shown.body).toContain("are you in?");

  // @room mentions everyone; a plain message only counts as unread.
  await say(bob, "@room lunch is here");
  await say(bob, "no mention here");
  await expect(general).toHaveAccessibleName("#general, 3 unread, 2 mentions");
  // Reading the room clears both, on this device and after a reload (the server remembers).
  await general.click();
  await expect(messageWith(ann, "are you in?")).toHaveClass(/mentioned/);
  await expect(messageWith(ann, "are you in?").locator("mark.mention.me")).toHaveText("@ann");
  await ann.getByRole("navigation", { name: "Rooms" }).getByRole("link", { name: /^#elsewhere/ }).click();
  await expect(general).toHaveAccessibleName("#general");
  await expect(ann).toHaveTitle("Natter");
  await say(bob, "one more, unread");
  await expect(general).toHaveAccessibleName("#general, 1 unread");
  await ann.waitForTimeout(2500); // the read position goes to the server at most every 2 s
  // Another device of Ann's (her password lets her in elsewhere) sees the same counts.
  await ann.getByLabel("Protect your nickname").fill("correct horse battery");
  await ann.getByRole("button", { name: "Set password" }).click();
  await expect(ann.getByText("Your nickname is protected.")).toBeVisible();
  const phone = await (await browser.newContext()).newPage();
  await phone.goto(`${server.url}/r/elsewhere`);
  await phone.getByLabel("Nickname").fill("ann");
  await phone.getByLabel("Password").fill("correct horse battery");
  await phone.getByRole("button", { name: "Join" }).click();
  await expect(phone.getByRole("status")).toHaveText("connected");
  await expect(phone.getByRole("navigation", { name: "Rooms" }).getByRole("link", { name: /^#general/ })).toHaveAccessibleName("#general, 1 unread");
});

test("search finds Russian, Portuguese and Chinese messages, never from a private room it may not read", async ({ browser, server }) => {
  const ann = await (await browser.newContext()).newPage();
  const bob = await (await browser.newContext()).newPage();
  await join(ann, server.url, "ann");
  await join(bob, server.url, "bob");
  await say(ann, "Моя собака гуляла в парке весь день");
  await say(ann, "Estou trabalhando em casa hoje, não no escritório");
  await say(ann, "今天天气很好，我们去公园吧");
  await say(ann, "The deployment finished without errors");
  await expect(messageTexts(bob)).toHaveCount(4);
  // A private room of Ann's that Bob is not in.
  await ann.getByRole("textbox", { name: "New room" }).fill("secret");
  await ann.getByLabel("Private: only people I invite").check();
  await ann.getByRole("button", { name: "Create" }).click();
  await expect(ann).toHaveURL(/\/r\/secret$/);
  await say(ann, "секретная собака и o trabalho secreto 天气");
  await expect(messageTexts(ann)).toHaveCount(1);

  const search = async (page: Page, query: string) => {
    const field = page.getByRole("searchbox", { name: "Search messages" });
    await field.fill(query);
    await field.press("Enter");
    await expect(page).toHaveURL(/\/search\?q=/);
    return page.getByRole("list", { name: "Search results" }).getByRole("listitem");
  };
  // Inflected forms find each other; the match is marked.
  let hits = await search(bob, "собаки");
  await expect(hits).toHaveCount(1);
  await expect(hits.first()).toContainText("Моя собака гуляла");
  await expect(hits.first().locator("mark")).toHaveText("собака");
  await bob.goBack();
  hits = await search(bob, "trabalhar nao");
  await expect(hits).toHaveCount(1);
  await expect(hits.first()).toContainText("Estou trabalhando em casa");
  await bob.goBack();
  hits = await search(bob, "天气");
  await expect(hits).toHaveCount(1);
  await expect(hits.first().locator("mark")).toHaveText("天气");
  // A click jumps to the message in its room.
  await hits.first().getByRole("link").click();
  await expect(bob).toHaveURL(/\/r\/general\?at=\d+/);
  await expect(messageWith(bob, "今天天气很好")).toHaveClass(/focused/);
  // Ann, a member of the private room, finds both.
  hits = await search(ann, "собака");
  await expect(hits).toHaveCount(2);
  hits = await search(bob, "секретная");
  await expect(hits).toHaveCount(0);
  await expect(bob.getByRole("status").filter({ hasText: "Nothing found" })).toBeVisible();
  // Deleted messages are not found.
  await ann.goto(`${server.url}/r/general`);
  await expect(ann.getByRole("status")).toHaveText("connected");
  await act(ann, "The deployment finished", "Delete");
  await expect(ann.getByRole("log").locator(".text.deleted")).toHaveCount(1);
  hits = await search(bob, "deployment");
  await expect(hits).toHaveCount(0);
});

test("an offline/online cycle replays reactions, edits and deletions exactly once", async ({ browser, server }) => {
  const annContext = await browser.newContext();
  const ann = await annContext.newPage();
  const bob = await (await browser.newContext()).newPage();
  await join(ann, server.url, "ann");
  await join(bob, server.url, "bob");
  await say(bob, "first from bob");
  await say(bob, "second from bob");
  await say(bob, "third from bob");
  await expect(messageTexts(ann)).toHaveCount(3);

  await annContext.setOffline(true);
  await expect(ann.getByRole("status")).toHaveText("offline");
  await act(bob, "first from bob", "Edit");
  await bob.getByLabel("Edit message").fill("first from bob, edited");
  await bob.getByLabel("Edit message").press("Enter");
  await expect(messageWith(bob, "first from bob, edited")).toHaveCount(1);
  await act(bob, "second from bob", "React");
  await bob.getByRole("dialog", { name: "Choose a reaction" }).getByRole("button", { name: "party popper" }).click();
  await expect(messageWith(bob, "second from bob").getByRole("button", { name: /^🎉 1/ })).toBeVisible();
  await act(bob, "third from bob", "Delete");
  await expect(bob.getByRole("log").locator(".text.deleted")).toHaveCount(1);
  await say(bob, "fourth from bob");
  await annContext.setOffline(false);
  await expect(ann.getByRole("status")).toHaveText("connected", { timeout: 20_000 });

  await expect(messageTexts(ann)).toHaveText(["first from bob, edited", "second from bob", "message deleted", "fourth from bob"]);
  await expect(messageWith(ann, "second from bob").getByRole("button", { name: /^🎉 1: bob$/ })).toBeVisible();
  await expect(messageWith(ann, "second from bob").locator(".reaction")).toHaveCount(1);
  await expect(messageWith(ann, "first from bob, edited").locator(".edited")).toHaveCount(1);
  // Once more, a moment later: nothing doubled.
  await ann.waitForTimeout(500);
  await expect(messageTexts(ann)).toHaveCount(4);
  await expect(messageWith(ann, "second from bob").getByRole("button", { name: /^🎉 1: bob$/ })).toBeVisible();
});

test("formatting renders the same from the server and live, and never runs anything", async ({ browser, server }) => {
  const ann = await (await browser.newContext()).newPage();
  await join(ann, server.url, "ann");
  await say(ann, "**bold** _it_ `code` [site](https://example.org) https://natter.example/x <img src=x onerror=alert(1)> [x](javascript:alert(1))");
  const item = messageWith(ann, "bold").last();
  const check = async () => {
    await expect(item.locator(".text strong")).toHaveText("bold");
    await expect(item.locator(".text em")).toHaveText("it");
    await expect(item.locator(".text code")).toHaveText("code");
    const links = item.locator(".text a");
    await expect(links).toHaveCount(2);
    await expect(links.first()).toHaveAttribute("href", "https://example.org");
    await expect(links.first()).toHaveAttribute("rel", "noopener nofollow ugc");
    await expect(item.locator(".text img")).toHaveCount(0);
    await expect(item.locator(".text")).toContainText("<img src=x onerror=alert(1)>");
    await expect(item.locator('.text a[href^="javascript"]')).toHaveCount(0);
  };
  await check();
  const live = await item.locator(".text").innerHTML();
  await ann.reload();
  await expect(ann.getByRole("status")).toHaveText("connected");
  await check();
  expect(await item.locator(".text").innerHTML()).toBe(live);
});
