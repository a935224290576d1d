// SPDX-License-Identifier: MIT
// tools/engines.mjs [LOCKFILE...] - a check of `make lint` (tools/lint.sh): every package of every
// npm lockfile (default: the tracked package-lock.json files) admits, by its `engines.node`,
// Debian 12's Node.js 18.20 and NodeSource's 20 (issue 15 point 6: make run and make test work
// on either). The ranges are read with npm's own semver package (the one npm uses to warn
// EBADENGINE, with the same includePrerelease option), not a parser of ours. Prints each
// package that does not admit a version, with its range, and exits 1.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const VERSIONS = ['18.20.0', '20.0.0'];
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

// semver: npm's own copy (NodeSource's layout: PREFIX/lib/node_modules/npm), else the one on
// node's global paths (Debian's npm depends on its node-semver package), else a lockfile's.
function loadSemver() {
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  const candidates = [
    path.join(prefix, 'lib/node_modules/npm/node_modules/semver'),
    'semver',
    path.join(root, 'tests/browser/node_modules/semver'),
  ];
  for (const c of candidates) {
    try {
      return require(c);
    } catch { /* the next */ }
  }
  console.error('engines: no semver package found (npm brings one: scripts/deps.sh build)');
  process.exit(2);
}
const semver = loadSemver();

const files = process.argv.length > 2
  ? process.argv.slice(2)
  : execFileSync('git', ['ls-files', '*package-lock.json'], { cwd: root, encoding: 'utf8' })
    .split('\n').filter((f) => f && !f.includes('node_modules/')).map((f) => path.join(root, f));
let bad = 0;
let checked = 0;
for (const file of files) {
  const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (!lock.packages) {
    console.log(`${path.relative(root, file)}: no "packages" (lockfileVersion 2 or later needed)`);
    bad++;
    continue;
  }
  for (const [where, pkg] of Object.entries(lock.packages)) {
    const range = pkg.engines && pkg.engines.node;
    checked++;
    if (range === undefined)
      continue;
    const name = where.replace(/^.*node_modules\//, '') || '(the project itself)';
    const refused = VERSIONS.filter((v) => !semver.satisfies(v, range, { includePrerelease: true }));
    if (refused.length) {
      console.log(`${path.relative(root, file)}: ${name}@${pkg.version || ''} engines.node "${range}" ` +
        `does not admit Node.js ${refused.join(', ')}`);
      bad++;
    }
  }
}
if (bad) {
  console.log(`engines: ${bad} package(s) above would not run on Node.js ${VERSIONS.join(' and ')} ` +
    '(pin a version whose engines admit them)');
  process.exit(1);
}
console.log(`engines: ${checked} packages in ${files.length} lockfile(s) admit Node.js ${VERSIONS.join(' and ')}`);
