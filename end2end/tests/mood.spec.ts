import { test, expect, join, say } from "./natter";

test("every message shows its mood, and the room shows its own", async ({ browser, server }) => {
  const ann = await (await browser.newContext()).newPage();
  const bob = await (await browser.newContext()).newPage();
  await join(ann, server.url, "ann");
  await join(bob, server.url, "bob");
  await say(ann, "I love this, what a wonderful day! 😊");
  await say(ann, "The train leaves at 9.");
  await say(ann, "This is terrible, I am so sad and angry 😞");
  const messages = bob.getByRole("log").locator("li.message");
  await expect(messages).toHaveCount(3);
  await expect(messages.nth(0).getByRole("img")).toHaveAccessibleName("positive mood");
  await expect(messages.nth(0).getByRole("img")).toHaveText("😊");
  await expect(messages.nth(1).getByRole("img")).toHaveAccessibleName("neutral mood");
  await expect(messages.nth(2).getByRole("img")).toHaveAccessibleName("negative mood");
  await expect(messages.nth(2).getByRole("img")).toHaveText("😞");
  // The room's indicator follows its recent messages.
  await expect(bob.getByRole("img", { name: /^Room mood: / })).toBeVisible();
  for (let i = 0; i < 3; i++) await say(ann, "Fantastic news, thank you all, this is great!");
  await expect(bob.getByRole("img", { name: "Room mood: positive" })).toHaveText("😊");
  // Moods are stored: they are in the server-rendered page too.
  const cookies = await bob.context().cookies();
  const html = await (await bob.request.get(server.url, { headers: { cookie: cookies.map((c) => `${c.name}=${c.value}`).join("; ") } })).text();
  expect(html).toContain('aria-label="negative mood"');
});

test("Russian and Chinese lines get their mood, and their text its language", async ({ browser, server }) => {
  const ann = await (await browser.newContext()).newPage();
  const bob = await (await browser.newContext()).newPage();
  await join(ann, server.url, "ann");
  await join(bob, server.url, "bob");
  await say(ann, "Ужасно устала, всё бесит");
  await say(ann, "太棒了，谢谢大家！");
  await say(ann, "🎉");
  const messages = bob.getByRole("log").locator("li.message");
  await expect(messages).toHaveCount(3);
  await expect(messages.nth(0).getByRole("img")).toHaveAccessibleName("negative mood");
  await expect(messages.nth(0).locator(".text")).toHaveAttribute("lang", "ru");
  await expect(messages.nth(1).getByRole("img")).toHaveAccessibleName("positive mood");
  await expect(messages.nth(1).locator(".text")).toHaveAttribute("lang", "zh");
  // Emoji alone: a mood, but no language.
  await expect(messages.nth(2).getByRole("img")).toHaveAccessibleName("positive mood");
  expect(await messages.nth(2).locator(".text").getAttribute("lang")).toBeNull();
});
