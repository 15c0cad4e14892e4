// Starts and stops real natter servers for the end-to-end tests.
import { ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { createInterface } from "node:readline";
import { Page, test as base, expect } from "@playwright/test";

const root = path.resolve(__dirname, "../..");
export const binary = process.env.NATTER_BIN ?? path.join(root, "target/release/natter");
export const siteRoot = process.env.LEPTOS_SITE_ROOT ?? path.join(root, "target/site");

export class Natter {
  private constructor(
    private child: ChildProcess,
    readonly addr: string,
    readonly dataDir: string,
  ) {}

  get url(): string {
    return `http://${this.addr}`;
  }

  /** Starts natter on `addr` (default: a free port) with `dataDir` (default: a new temp dir). */
  static async start(opts: { addr?: string; dataDir?: string } = {}): Promise<Natter> {
    const dataDir = opts.dataDir ?? mkdtempSync(path.join(tmpdir(), "natter-e2e-"));
    const { child, addr } = await spawnNatter(opts.addr ?? "127.0.0.1:0", dataDir);
    return new Natter(child, addr, dataDir);
  }

  /** SIGKILL, as a crash would. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((ok) => this.child.once("exit", ok));
    this.child.kill("SIGKILL");
    await exited;
  }

  /** SIGTERM, as a deploy would; resolves with the milliseconds the server took to exit. */
  async terminate(): Promise<number> {
    const started = Date.now();
    if (this.child.exitCode !== null || this.child.signalCode !== null) return 0;
    const exited = new Promise((ok) => this.child.once("exit", ok));
    this.child.kill("SIGTERM");
    await exited;
    return Date.now() - started;
  }

  /** Crashes the server and starts it again on the same address and data. */
  async restart(): Promise<void> {
    await this.kill();
    this.child = (await spawnNatter(this.addr, this.dataDir)).child;
  }
}

async function spawnNatter(addr: string, dataDir: string): Promise<{ child: ChildProcess; addr: string }> {
  const child = spawn(binary, ["--addr", addr, "--data-dir", dataDir], {
    env: { ...process.env, LEPTOS_SITE_ROOT: siteRoot, RUST_LOG: "info", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const listening = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error("natter did not start in 15 s")), 15_000);
    child.once("exit", (code) => fail(new Error(`natter exited with ${code} before listening`)));
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const found = line.match(/listening on http:\/\/(\S+)/);
      if (found) {
        clearTimeout(timer);
        ok(found[1]);
      }
    });
  });
  return { child, addr: listening };
}

const problems: string[] = [];

/** Records panics and uncaught errors of a page; `takeProblems` hands them to the test. */
export function watch(page: Page): void {
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error" && /panicked|RuntimeError|unreachable/.test(message.text())) {
      problems.push(message.text().split("\n")[0]);
    }
  });
}

export function takeProblems(): string[] {
  return problems.splice(0);
}

/** Opens the chat and joins with `nickname`; returns once the live connection is up. */
export async function join(page: Page, url: string, nickname: string): Promise<void> {
  watch(page);
  await page.goto(url);
  await page.getByLabel("Nickname").fill(nickname);
  await page.getByRole("button", { name: "Join" }).click();
  await expect(page.getByRole("status")).toHaveText("connected");
}

/** Types a message into the composer and presses Enter. */
export async function say(page: Page, text: string): Promise<void> {
  const composer = page.getByLabel("Message", { exact: true });
  await composer.fill(text);
  await composer.press("Enter");
}

/** The texts of the messages in the list, in order (pending ones excluded). */
export function messageTexts(page: Page) {
  return page.getByRole("log").locator("li.message:not(.pending) .text");
}

/** Posts messages straight to the server as `nickname`, the way a form without JS does. */
export async function seed(page: Page, url: string, room: string, texts: string[]): Promise<void> {
  const cookies = await page.context().cookies();
  const cookie = cookies.map((c) => `${c.name}=${c.value}`).join("; ");
  for (const [i, text] of texts.entries()) {
    const response = await page.request.post(`${url}/api/post`, {
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      data: new URLSearchParams({ room, client_id: `seed-${room}-${i}`, text }).toString(),
      maxRedirects: 0,
    });
    if (response.status() >= 400) throw new Error(`seeding failed: ${response.status()}`);
  }
}

/**
 * A server-rendered page as its reader sees it: without the renderer's hydration marks
 * (`<!>` and `<!--…-->` comments, which say where a view's children end).
 */
export function withoutMarks(html: string): string {
  return html.replace(/<!(--[\s\S]*?--)?>/g, "");
}

/** The names in the "Here now" list of the current room. */
export function people(page: Page) {
  return page.getByRole("list", { name: "Here now" }).locator(".author");
}

/** The quiet presence lines ("bob joined") in the list. */
export function systemLines(page: Page) {
  return page.getByRole("log").locator("li.system");
}

/**
 * Every test gets its own natter (a free port, a fresh data directory). Afterwards the
 * test's pages close before their server stops, so nothing leaks into the next test, and any
 * panic or page error recorded by `watch` fails the test even if the page looked right.
 */
export const test = base.extend<{ server: Natter }>({
  server: async ({ browser }, use) => {
    const server = await Natter.start();
    await use(server);
    await Promise.all(browser.contexts().map((context) => context.close()));
    await server.kill();
    expect(takeProblems()).toEqual([]);
  },
});

export { expect };
