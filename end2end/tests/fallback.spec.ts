// Where a proxy or firewall blocks WebSockets, the browser falls back to server-sent events
// down and POSTs up by itself: the chat stays live, exactly once, through a lost connection.
import { test, expect, join, say, messageTexts, watch } from "./natter";

test("with WebSockets blocked the chat goes over HTTP by itself: live, in order, exactly once, across a reconnect", async ({
  browser,
  server,
}) => {
  const ann = await (await browser.newContext()).newPage();
  watch(ann);
  // Every WebSocket this page opens to /api/live is refused, as a blocking proxy does.
  let refused = 0;
  await ann.routeWebSocket(/\/api\/live/, (ws) => {
    refused += 1;
    ws.close();
  });
  await ann.goto(server.url);
  await ann.getByLabel("Nickname").fill("ann");
  await ann.getByRole("button", { name: "Join" }).click();
  const status = ann.getByRole("status");
  await expect(status).toHaveText("connected over HTTP", { timeout: 20_000 });
  await expect(status).toHaveAttribute("data-transport", "http");
  expect(refused).toBeGreaterThanOrEqual(2);

  const bob = await (await browser.newContext()).newPage();
  await join(bob, server.url, "bob");
  await expect(bob.getByRole("status")).toHaveAttribute("data-transport", "websocket");

  await say(bob, "hello ann");
  await expect(messageTexts(ann)).toHaveText(["hello ann"]);
  await say(ann, "hi bob, over http");
  await expect(messageTexts(bob)).toHaveText(["hello ann", "hi bob, over http"]);
  await expect(messageTexts(ann)).toHaveText(["hello ann", "hi bob, over http"]);

  // A burst arrives whole and in order.
  const burst = Array.from({ length: 15 }, (_, i) => `burst ${i + 1}`);
  for (const text of burst) await say(bob, text);
  await expect(messageTexts(ann)).toHaveText(["hello ann", "hi bob, over http", ...burst]);

  // Ann's connection drops; bob talks meanwhile; ann comes back over HTTP and has it all once.
  await ann.context().setOffline(true);
  await expect(status).toHaveText("offline");
  await say(bob, "while you were away");
  await ann.context().setOffline(false);
  await expect(status).toHaveText("connected over HTTP", { timeout: 20_000 });
  await expect(messageTexts(ann)).toHaveText(["hello ann", "hi bob, over http", ...burst, "while you were away"]);
  await say(ann, "back");
  await expect(messageTexts(bob)).toHaveText(["hello ann", "hi bob, over http", ...burst, "while you were away", "back"]);
  await expect(messageTexts(ann)).toHaveText(["hello ann", "hi bob, over http", ...burst, "while you were away", "back"]);
});
