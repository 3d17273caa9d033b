// Reads a JSON list of Mermaid diagrams on stdin; prints one line per failure; exit 1 if any fails.
import { JSDOM } from "jsdom";
const dom = new JSDOM("<!DOCTYPE html><body></body>", { pretendToBeVisual: true });
globalThis.window = dom.window; globalThis.document = dom.window.document;
Object.defineProperty(globalThis, "navigator", { value: dom.window.navigator, configurable: true });
globalThis.DOMParser = dom.window.DOMParser; globalThis.Element = dom.window.Element;
const mermaid = (await import("mermaid")).default;
mermaid.initialize({ startOnLoad: false });
import { readFileSync } from "fs";
const blocks = JSON.parse(readFileSync(0, "utf8"));
let bad = 0;
for (const [i, b] of blocks.entries()) {
  try { await mermaid.parse(b); } catch (e) { bad++; console.log(`block ${i}: ${String(e.message || e).split("\n").slice(0,3).join(" / ")}`); }
}
console.log(`${blocks.length - bad} parsed, ${bad} failed`);
process.exit(bad ? 1 : 0);
