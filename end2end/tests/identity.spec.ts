import { test, expect, join, say, messageTexts, watch } from "./natter";

test("a nickname stays with its browser, and a password takes it to another", async ({ browser, server }) => {
  const ann = await (await browser.newContext()).newPage();
  await join(ann, server.url, "ann");
  await ann.reload();
  await expect(ann.getByRole("status")).toHaveText("connected");
  await expect(ann.locator(".whoami")).toHaveText("You are ann");

  const other = await (await browser.newContext()).newPage();
  watch(other);
  await other.goto(server.url);
  await other.getByLabel("Nickname").fill("ANN");
  await other.getByRole("button", { name: "Join" }).click();
  await expect(other.getByRole("alert")).toContainText("is taken");

  await ann.getByLabel("Protect your nickname").fill("correct horse battery");
  await ann.getByRole("button", { name: "Set password" }).click();
  await expect(ann.getByText("Your nickname is protected.")).toBeVisible();

  await other.getByLabel("Nickname").fill("ann");
  await other.getByLabel(/^Password/).fill("not the password");
  await other.getByRole("button", { name: "Join" }).click();
  await expect(other.getByRole("alert")).toHaveText("Wrong password for that nickname.");
  await other.getByLabel(/^Password/).fill("correct horse battery");
  await other.getByRole("button", { name: "Join" }).click();
  await expect(other.getByRole("status")).toHaveText("connected");
  await say(other, "hello from my phone");
  await expect(messageTexts(ann)).toHaveText(["hello from my phone"]);
  await expect(ann.getByRole("log").locator("li.message").last()).toHaveClass(/own/);
});
