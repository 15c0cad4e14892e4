import { existsSync } from "node:fs";
import { binary, siteRoot } from "./natter";

// Fails fast with a clear message instead of every test timing out.
export default function globalSetup() {
  for (const path of [binary, `${siteRoot}/pkg/natter.wasm`, `${siteRoot}/pkg/natter.js`]) {
    if (!existsSync(path)) {
      throw new Error(`${path} is missing: run \`cargo leptos build --release\` first (make test does).`);
    }
  }
}
