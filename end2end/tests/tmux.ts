// Drives a terminal program in a detached tmux session: start it at a size, send keys and
// text, read the screen back (`tmux capture-pane -p`), resize the window, kill it.
import { execFile } from "node:child_process";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** One tmux server per Playwright worker (workers run in parallel; a shared server would
 * exit under one worker as the other starts a session), on a socket of its own, started
 * without any user config. tmux leaves its socket (and sometimes its lock) file behind when
 * it exits: removed when the worker exits. */
const socket = path.join(tmpdir(), `natter-e2e-tmux-${process.pid}`);
process.on("exit", () => {
  for (const file of [socket, `${socket}.lock`]) rmSync(file, { force: true });
});
let sessions = 0;

function tmux(...args: string[]): Promise<{ stdout: string }> {
  // -u: the panes speak UTF-8 whatever the caller's locale says.
  return run("tmux", ["-u", "-S", socket, "-f", "/dev/null", ...args], {
    env: { ...process.env, LANG: "C.UTF-8" },
    encoding: "utf8",
  });
}

/** `word` quoted for `sh -c`. */
function quote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Cells a code point takes in a terminal: CJK, fullwidth forms and emoji 2, combining marks
 * and joiners 0, the rest 1. */
function cellsOf(cp: number): number {
  if ((cp >= 0x300 && cp <= 0x36f) || cp === 0x200d || (cp >= 0xfe00 && cp <= 0xfe0f)) return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  ) {
    return 2;
  }
  return 1;
}

/** The display width of `text` in terminal cells. */
export function cells(text: string): number {
  let width = 0;
  for (const ch of text) width += cellsOf(ch.codePointAt(0)!);
  return width;
}

export type ScreenTest = string | RegExp | ((screen: string) => boolean);

export class Terminal {
  private constructor(
    readonly name: string,
    public cols: number,
    public rows: number,
  ) {}

  /** Starts `command` (program and arguments) with `env` added and `unset` removed from the
   * environment, in a `cols`×`rows` window. */
  static async start(
    label: string,
    command: string[],
    opts: { cols?: number; rows?: number; env?: Record<string, string>; unset?: string[] } = {},
  ): Promise<Terminal> {
    const cols = opts.cols ?? 100;
    const rows = opts.rows ?? 30;
    const name = `${label}-${++sessions}`;
    const env = [
      ...(opts.unset ?? []).flatMap((k) => ["-u", k]),
      ...Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`),
    ];
    const line = ["exec", "env", ...env, ...command].map(quote).join(" ");
    // A pane whose program died stays, so that its last screen and error can be read.
    await tmux(
      "new-session", "-d", "-s", name, "-x", String(cols), "-y", String(rows), line,
      ";", "set-option", "-w", "-t", name, "remain-on-exit", "on",
    );
    return new Terminal(name, cols, rows);
  }

  /** Keys by tmux name: "Enter", "C-n", "BSpace", "Escape"… */
  async keys(...keys: string[]): Promise<void> {
    await tmux("send-keys", "-t", this.name, ...keys);
  }

  /** `text` typed as it is (no key names). */
  async type(text: string): Promise<void> {
    await tmux("send-keys", "-t", this.name, "-l", text);
  }

  /** `text` typed, then Enter. */
  async line(text: string): Promise<void> {
    await this.type(text);
    await this.keys("Enter");
  }

  /** The screen as text, one string per row (trailing blanks trimmed by tmux). */
  async lines(): Promise<string[]> {
    const { stdout } = await tmux("capture-pane", "-p", "-t", this.name);
    return stdout.replace(/\n$/, "").split("\n");
  }

  async screen(): Promise<string> {
    return (await this.lines()).join("\n");
  }

  /** Whether the program has exited, and how. */
  async exited(): Promise<string | null> {
    const { stdout } = await tmux("display-message", "-p", "-t", this.name, "#{pane_dead} #{pane_dead_status}");
    const [dead, status] = stdout.trim().split(" ");
    return dead === "1" ? `exited with ${status || "a signal"}` : null;
  }

  /** Polls the screen until it contains `test` (text or pattern) or `test(screen)` holds. */
  async waitFor(test: ScreenTest, opts: { timeout?: number; what?: string } = {}): Promise<string> {
    const check =
      typeof test === "string"
        ? (s: string) => s.includes(test)
        : test instanceof RegExp
          ? (s: string) => test.test(s)
          : test;
    const what = opts.what ?? (typeof test === "function" ? "the screen to match" : String(test));
    const deadline = Date.now() + (opts.timeout ?? 15_000);
    for (let polls = 1; ; polls++) {
      const screen = await this.screen();
      if (check(screen)) return screen;
      // Now and then (and at the end): has the program died? Then nothing will change.
      const late = Date.now() > deadline;
      const dead = late || polls % 20 === 0 ? await this.exited().catch(() => null) : null;
      if (late || dead) {
        throw new Error(
          `${this.name}: ${dead ? `the program ${dead}` : "timed out"} waiting for ${what}; the screen:\n${screen}`,
        );
      }
      await new Promise((ok) => setTimeout(ok, 50));
    }
  }

  async resize(cols: number, rows: number = this.rows): Promise<void> {
    await tmux("resize-window", "-t", this.name, "-x", String(cols), "-y", String(rows));
    this.cols = cols;
    this.rows = rows;
  }

  /** Ends the session and its program; fine to call twice. */
  async kill(): Promise<void> {
    await tmux("kill-session", "-t", this.name).catch(() => undefined);
  }
}
