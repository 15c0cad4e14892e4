// One browser and two terminal clients (`natter-tui`, each in its own tmux session) in one
// room against a real server: messages and live typing both ways, rooms and unread counts, a
// resize, a CJK line wrapped by cells, and the server killed and restarted mid-conversation.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { Page } from "@playwright/test";
import { test as natterTest, expect, join, say, messageTexts, people } from "./natter";
import { Terminal, cells } from "./tmux";

const root = path.resolve(__dirname, "../..");
const tuiBinary = process.env.NATTER_TUI_BIN ?? path.join(root, "target/release/natter-tui");

type OpenTerminal = (nick: string, opts?: { cols?: number; rows?: number }) => Promise<Terminal>;

/** `terminal(nick)` starts `natter-tui` as `nick` in #general of the test's server, with a
 * config directory of its own (it remembers "share typing" there); every session is killed
 * after the test, passed or failed, before the server stops (a failed test gets each
 * terminal's last screen attached). */
const test = natterTest.extend<{ terminal: OpenTerminal }>({
  terminal: async ({ server }, use, testInfo) => {
    if (!existsSync(tuiBinary)) {
      throw new Error(`${tuiBinary} is missing: run \`cargo build --release -p tui\` first (make test-e2e does).`);
    }
    const opened: Terminal[] = [];
    const homes: string[] = [];
    await use(async (nick, opts = {}) => {
      const home = mkdtempSync(path.join(tmpdir(), `natter-tui-${nick}-`));
      homes.push(home);
      const terminal = await Terminal.start(nick, [tuiBinary, server.url, "--nick", nick, "--room", "general"], {
        ...opts,
        env: { HOME: home, XDG_CONFIG_HOME: path.join(home, "config"), TZ: "UTC" },
        unset: ["NATTER_PASSWORD"],
      });
      opened.push(terminal);
      return terminal;
    });
    if (testInfo.status !== testInfo.expectedStatus) {
      for (const terminal of opened) {
        const screen = await terminal.screen().catch((e) => `(no screen: ${e})`);
        await testInfo.attach(`${terminal.name} screen`, { body: screen, contentType: "text/plain" });
      }
    }
    await Promise.all(opened.map((terminal) => terminal.kill()));
    for (const home of homes) rmSync(home, { recursive: true, force: true });
  },
});

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** A message as the terminal shows it: "▌12:34 ann 🙂 text" (the draft line differs). */
function messageLine(author: string, text: string): RegExp {
  return new RegExp(`\\d\\d:\\d\\d ${escape(author)} \\S+ ${escape(text)}`, "u");
}

/** The middle column of a row (between the rooms pane and the members pane). */
function middle(row: string): string {
  return (row.split("│")[1] ?? "").trimEnd();
}

/** A conversation row's text: its middle column without the one-cell gutter in front (own
 * and mentioning messages are marked there). */
function said(row: string): string {
  return middle(row).slice(1);
}

/** The conversation of a screen: the middle column above the typing line and the composer,
 * its rows joined (so that a wrapped line reads whole again). */
function conversation(screen: string): string {
  const rows = screen.split("\n");
  // The composer's top border is titled " #room · sharing what you type " (cut to fit).
  const composer = rows.map((row) => /^ [#🔒@]\S+ · /u.test(middle(row))).lastIndexOf(true);
  // Without the gutter, wrapped rows join into the text again.
  return rows
    .slice(0, composer < 0 ? rows.length : composer)
    .map(said)
    .filter((text) => !/^\S+ is typing/.test(text))
    .join("");
}

function count(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

/** The screen is laid out whole at `cols`×`rows`: no row wider than the pane, the rooms pane's
 * border in place on every row but the status line, and one status line. */
function expectLayout(screen: string, nick: string, cols: number, rows: number) {
  const lines = screen.split("\n");
  expect(lines.length, screen).toBe(rows);
  expect(lines[0], screen).toMatch(/^rooms +│/);
  for (const line of lines) expect(cells(line), `${line}\n---\n${screen}`).toBeLessThanOrEqual(cols);
  for (const line of lines.slice(0, rows - 1)) expect(cells(line.split("│")[0]), screen).toBe(19);
  expect(lines[rows - 1], screen).toMatch(new RegExp(`^● connected as ${nick} `));
  expect(count(screen, "connected as"), screen).toBe(1);
}

const typing = (page: Page) => page.getByLabel("Typing");

test("one browser and two terminals in one room: messages, live typing, rooms, resize, CJK, a crash", async ({
  browser,
  server,
  terminal,
}) => {
  const ann = await (await browser.newContext()).newPage();
  await join(ann, server.url, "ann");
  const [bob, cho] = await Promise.all([terminal("bob"), terminal("cho")]);
  await bob.waitFor("● connected as bob");
  await cho.waitFor("● connected as cho");
  for (const t of [bob, cho]) await t.waitFor("members 3");
  await expect(people(ann)).toHaveText(["ann", "bob", "cho"]);

  // Messages browser → terminals, terminal → browser and terminal → terminal.
  await say(ann, "m1 from ann");
  for (const t of [bob, cho]) await t.waitFor(messageLine("ann", "m1 from ann"));
  await bob.line("m2 from bob");
  await expect(messageTexts(ann)).toHaveText(["m1 from ann", "m2 from bob"]);
  await cho.waitFor(messageLine("bob", "m2 from bob"));
  await cho.line("m3 from cho");
  await bob.waitFor(messageLine("cho", "m3 from cho"));
  await expect(messageTexts(ann)).toHaveText(["m1 from ann", "m2 from bob", "m3 from cho"]);

  // Live typing from a terminal: the browser shows the draft, the other terminal too.
  await bob.type("m4 fr");
  await expect(typing(ann)).toHaveText("bob: m4 fr▍");
  await cho.waitFor("bob is typing: m4 fr");
  await bob.type("om bob");
  await expect(typing(ann)).toHaveText("bob: m4 from bob▍");
  await cho.waitFor("bob is typing: m4 from bob");
  await bob.keys("Enter");
  await expect(messageTexts(ann).last()).toHaveText("m4 from bob");
  await expect(typing(ann)).toHaveText("");
  await cho.waitFor((s) => messageLine("bob", "m4 from bob").test(s) && !s.includes("is typing"), {
    what: "bob's draft to give way to his message",
  });

  // Live typing from the browser: both terminals show it.
  const composer = ann.getByLabel("Message", { exact: true });
  await composer.pressSequentially("m5 fr", { delay: 20 });
  for (const t of [bob, cho]) await t.waitFor("ann is typing: m5 fr");
  await composer.pressSequentially("om ann", { delay: 20 });
  for (const t of [bob, cho]) await t.waitFor("ann is typing: m5 from ann");
  await composer.press("Enter");
  for (const t of [bob, cho]) {
    await t.waitFor((s) => messageLine("ann", "m5 from ann").test(s) && !s.includes("is typing"), {
      what: "ann's draft to give way to her message",
    });
  }

  // Rooms: a terminal creates one, the browser and the other terminal join it; what is said
  // there is counted in the rooms pane of a terminal looking at #general, and in the browser.
  await cho.line("/create random");
  await cho.waitFor("#random · sharing what you type");
  const annRooms = ann.getByRole("navigation");
  await annRooms.getByRole("link", { name: /^#random/ }).click();
  await expect(ann).toHaveURL(/\/r\/random$/);
  await expect(ann.getByRole("heading", { level: 1 })).toHaveText("#random");
  await expect(ann.getByRole("status")).toHaveText("connected");
  await bob.line("/join random");
  await bob.waitFor("#random · sharing what you type");
  await bob.keys("C-p");
  await bob.waitFor("#general · sharing what you type");
  await say(ann, "r1 from ann");
  await cho.waitFor(messageLine("ann", "r1 from ann"));
  await bob.waitFor("#random (1)");
  await expect(people(ann)).toHaveText(["ann", "bob", "cho"]);
  await annRooms.getByRole("link", { name: /^#general/ }).click();
  await expect(ann).toHaveURL(/\/r\/general$/);
  await expect(ann.getByRole("heading", { level: 1 })).toHaveText("#general");
  await expect(messageTexts(ann)).toHaveCount(5);
  await cho.line("r2 from cho");
  await expect(ann.getByRole("link", { name: "#random, 1 unread" })).toBeVisible();
  await bob.waitFor("#random (2)");
  // Bob reads them; back in #general the count is gone.
  await bob.keys("C-n");
  await bob.waitFor((s) => messageLine("ann", "r1 from ann").test(s) && messageLine("cho", "r2 from cho").test(s), {
    what: "#random's messages",
  });
  await bob.keys("C-p");
  await bob.waitFor((s) => s.includes("#general · sharing") && !/#random \(\d+\)/.test(s), {
    what: "#general with #random read",
  });
  await cho.line("/join general");
  await cho.waitFor("#general · sharing what you type");

  // A resize, narrower and shorter: the members pane folds away and everything is laid out
  // again (tmux alone would only cut the old screen: the rooms header at the top and the
  // status line at the bottom show the client redrew).
  await bob.resize(50, 24);
  const narrow = await bob.waitFor(
    (s) => {
      const lines = s.split("\n");
      return lines.length === 24 && /^rooms +│$/.test(lines[0]) && lines[23].startsWith("● connected as bob");
    },
    { what: "the screen redrawn at 50×24" },
  );
  expectLayout(narrow, "bob", 50, 24);

  // A long Chinese line from the browser wraps by cells (two each) in the narrow terminal.
  const cjk = "长城是中国古代的伟大建筑工程之一，它绵延数千公里，穿越高山和沙漠，见证了两千多年的历史变迁。";
  await say(ann, cjk);
  await expect(messageTexts(ann).last()).toHaveText(cjk);
  const wrapped = await bob.waitFor((s) => conversation(s).includes(cjk), { what: "the whole CJK line" });
  expectLayout(wrapped, "bob", 50, 24);
  const rows = wrapped.split("\n");
  // The rows the message takes: from the last row from which the rows joined hold it all.
  let first = -1;
  let taken = 0;
  for (let i = 0; i < rows.length; i++) {
    let joined = "";
    for (let j = i; j < rows.length; j++) {
      joined += said(rows[j]);
      if (joined.includes(cjk)) {
        first = i;
        taken = j - i + 1;
        break;
      }
    }
  }
  expect(first, wrapped).toBeGreaterThanOrEqual(0);
  // 30 columns of conversation: the text alone needs this many rows.
  expect(taken, `the CJK line is wrapped over several rows:\n${wrapped}`).toBeGreaterThanOrEqual(Math.ceil(cells(cjk) / 30));
  for (const row of rows.slice(first, first + taken)) {
    expect(cells(middle(row)), `${row}\n---\n${wrapped}`).toBeLessThanOrEqual(30);
  }
  await cho.waitFor((s) => conversation(s).includes(cjk), { what: "the whole CJK line" });

  // Back to full width: the members pane returns and nothing is left over from before.
  await bob.resize(100, 30);
  const wide = await bob.waitFor((s) => s.split("\n")[0].includes("members 3") && conversation(s).includes(cjk), {
    what: "the members pane back",
  });
  expectLayout(wide, "bob", 100, 30);
  for (const text of ["m1 from ann", "m2 from bob", "m3 from cho", "m4 from bob", "m5 from ann", cjk]) {
    expect(count(conversation(wide), text), wide).toBe(1);
  }

  // The server crashes mid-conversation; a terminal keeps talking meanwhile.
  await server.kill();
  await expect(ann.getByRole("status")).toHaveText(/reconnecting…|offline/);
  for (const t of [bob, cho]) await t.waitFor(/^○ (reconnecting|connecting)/m);
  await bob.line("while down from bob");
  await bob.waitFor("sending bob: while down from bob");
  await server.restart();
  await expect(ann.getByRole("status")).toHaveText("connected", { timeout: 20_000 });
  await bob.waitFor("● connected as bob", { timeout: 20_000 });
  await cho.waitFor("● connected as cho", { timeout: 20_000 });
  // Right away, everyone says something at once.
  await Promise.all([
    say(ann, "after restart from ann"),
    bob.line("after restart from bob"),
    cho.line("after restart from cho"),
  ]);

  // Every client ends with every message exactly once, in the same order.
  const before = ["m1 from ann", "m2 from bob", "m3 from cho", "m4 from bob", "m5 from ann", cjk, "while down from bob"];
  const after = ["after restart from ann", "after restart from bob", "after restart from cho"];
  await expect(messageTexts(ann)).toHaveCount(before.length + after.length, { timeout: 20_000 });
  await expect(ann.getByRole("log").locator("li.pending")).toHaveCount(0);
  const order = await messageTexts(ann).allTextContents();
  expect(order.slice(0, before.length)).toEqual(before);
  expect([...order.slice(before.length)].sort()).toEqual(after);
  const settled = (screen: string) => {
    const said = conversation(screen);
    return !said.includes("sending ") && order.every((text) => count(said, text) === 1);
  };
  for (const t of [bob, cho]) await t.waitFor(settled, { what: "every message exactly once", timeout: 20_000 });
  // A moment later still (a late duplicate would show by now).
  await ann.waitForTimeout(500);
  for (const t of [bob, cho]) {
    const screen = await t.screen();
    expect(settled(screen), screen).toBe(true);
    const said = conversation(screen);
    const at = order.map((text) => said.indexOf(text));
    expect(at, screen).toEqual([...at].sort((a, b) => a - b));
    expect(count(said, "r1 from ann") + count(said, "r2 from cho"), screen).toBe(0);
  }
  await expect(messageTexts(ann)).toHaveText(order);
  await ann.reload();
  await expect(messageTexts(ann)).toHaveText(order);
});
