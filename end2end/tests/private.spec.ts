import { test, expect, join, say, messageTexts } from "./natter";

test("direct messages: two people talk privately while a third sees nothing", async ({ browser, server }) => {
  const ann = await (await browser.newContext()).newPage();
  const bob = await (await browser.newContext()).newPage();
  const cat = await (await browser.newContext()).newPage();
  await join(ann, server.url, "ann");
  await join(bob, server.url, "bob");
  await join(cat, server.url, "cat");

  // Ann starts it from the member list.
  await ann.getByRole("button", { name: "Message bob" }).click();
  await expect(ann).toHaveURL(/\/r\/dm-\d+-\d+$/);
  await expect(ann.getByRole("heading", { level: 1 })).toHaveText("@bob");
  await expect(ann.getByRole("status")).toHaveText("connected");
  await say(ann, "psst, just between us");
  await expect(messageTexts(ann)).toHaveText(["psst, just between us"]);

  // Bob sees the conversation appear live, opens it, answers.
  const bobDm = bob.getByRole("list", { name: "Direct messages" }).getByRole("link", { name: /^@ann/ });
  await expect(bobDm).toBeVisible();
  await bobDm.click();
  await expect(bob.getByRole("heading", { level: 1 })).toHaveText("@ann");
  await expect(messageTexts(bob)).toHaveText(["psst, just between us"]);
  await say(bob, "my lips are sealed");
  await expect(messageTexts(ann)).toHaveText(["psst, just between us", "my lips are sealed"]);
  // Live typing reaches the other one.
  await bob.getByLabel("Message", { exact: true }).fill("one more thing");
  await expect(ann.getByText("one more thing")).toBeVisible();

  // Cat: no such conversation in her list, and its URL is not found, server rendered too.
  await expect(cat.getByRole("navigation").getByRole("link")).toHaveText(["#general"]);
  await expect(cat.getByRole("heading", { name: "Direct messages" })).toHaveCount(0);
  await cat.goto(ann.url());
  await expect(cat.getByRole("heading", { name: "Not found" })).toBeVisible();
  const cookies = await cat.context().cookies();
  const headers = { cookie: cookies.map((c) => `${c.name}=${c.value}`).join("; ") };
  const response = await cat.request.get(ann.url(), { headers });
  expect(response.status()).toBe(404);
  expect(await response.text()).not.toContain("psst");
  await expect(cat.locator("body")).not.toContainText("psst");
  await expect(cat.locator("body")).not.toContainText("one more thing");
});

test("private rooms: the creator invites and removes; only members see anything", async ({ browser, server }) => {
  const ann = await (await browser.newContext()).newPage();
  const bob = await (await browser.newContext()).newPage();
  const cat = await (await browser.newContext()).newPage();
  await join(ann, server.url, "ann");
  await join(bob, server.url, "bob");
  await join(cat, server.url, "cat");

  await ann.getByLabel("New room").fill("plans");
  await ann.getByLabel("Private: only people I invite").check();
  await ann.getByRole("button", { name: "Create" }).click();
  await expect(ann).toHaveURL(/\/r\/plans$/);
  await expect(ann.getByRole("heading", { level: 1 })).toHaveText("🔒 plans");
  await expect(ann.getByRole("status")).toHaveText("connected");
  await say(ann, "surprise party on friday");

  // Not yet invited: Bob does not see it.
  await expect(bob.getByRole("navigation").getByRole("link")).toHaveText(["#general"]);
  await ann.getByLabel("Invite", { exact: true }).fill("nobody-here");
  await ann.getByRole("button", { name: "Invite" }).click();
  await expect(ann.getByRole("region", { name: "Members" }).getByRole("alert")).toContainText("No one has claimed");
  await ann.getByLabel("Invite", { exact: true }).fill("Bob");
  await ann.getByRole("button", { name: "Invite" }).click();
  const members = ann.getByRole("region", { name: "Members" }).locator("li .author");
  await expect(members).toHaveText(["ann", "bob"]);

  const bobPlans = bob.getByRole("navigation").getByRole("link", { name: /^plans \(private\)/ });
  await expect(bobPlans).toBeVisible();
  await bobPlans.click();
  await expect(messageTexts(bob)).toHaveText(["surprise party on friday"]);
  await say(bob, "I'll bring cake");
  await expect(messageTexts(ann)).toHaveText(["surprise party on friday", "I'll bring cake"]);

  // Cat never sees it.
  await expect(cat.getByRole("navigation").getByRole("link")).toHaveText(["#general"]);
  await cat.goto(`${server.url}/r/plans`);
  await expect(cat.getByRole("heading", { name: "Not found" })).toBeVisible();
  await expect(cat.locator("body")).not.toContainText("surprise");

  // Removed, Bob leaves the room at once and gets nothing more from it.
  await ann.getByRole("button", { name: "Remove bob" }).click();
  await expect(members).toHaveText(["ann"]);
  await expect(bob).toHaveURL(new RegExp(`^${server.url}/?$`));
  await expect(bob.getByRole("navigation").getByRole("link", { name: /plans/ })).toHaveCount(0);
  await say(ann, "bob is out of the loop now");
  await expect(messageTexts(ann)).toHaveText(["surprise party on friday", "I'll bring cake", "bob is out of the loop now"]);
  await bob.goto(`${server.url}/r/plans`);
  await expect(bob.getByRole("heading", { name: "Not found" })).toBeVisible();
  await expect(bob.locator("body")).not.toContainText("out of the loop");
});
