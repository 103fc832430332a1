// `npm test`: every suite, one summary. Order: tools, build, type-check, unit/integration
// (Vitest), end-to-end (Playwright in Debian's Chromium). The last line is always
// `N passed, N failed` summed over all of them; the exit code is non-zero when anything failed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureTools } from './ensure-tools.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = path.join(root, '.tmp');
mkdirSync(tmp, { recursive: true });
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
let passed = 0;
let failed = 0;

function run(cmd, args, env = {}) {
  return spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } }).status;
}

function step(name, ok) {
  if (ok) passed += 1;
  else failed += 1;
  console.log(`[${ok ? 'pass' : 'FAIL'}] ${name}`);
}

ensureTools();

step('build', run('node', ['build/build.mjs']) === 0);
step('typecheck (node side)', run(bin('tsc'), ['--noEmit', '-p', 'tsconfig.json']) === 0);
step('typecheck (shared: no Node, no DOM)', run(bin('tsc'), ['--noEmit', '-p', 'shared/tsconfig.json']) === 0);
if (existsSync(path.join(root, 'renderer', 'tsconfig.json')) && hasSources('renderer')) {
  step('typecheck (renderer: DOM only)', run(bin('tsc'), ['--noEmit', '-p', 'renderer/tsconfig.json']) === 0);
}

// Vitest: count individual tests from its JSON report.
const vitestJson = path.join(tmp, 'vitest.json');
rmSync(vitestJson, { force: true });
const vitestStatus = run(bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`]);
if (existsSync(vitestJson)) {
  const r = JSON.parse(readFileSync(vitestJson, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  // A file that fails to load has no tests to count; count the file itself.
  const brokenFiles = (r.testResults ?? []).filter((f) => f.status === 'failed' && f.assertionResults.length === 0).length;
  failed += brokenFiles;
  if (vitestStatus !== 0 && r.numFailedTests === 0 && brokenFiles === 0) step('vitest exited non-zero', false);
} else {
  step('vitest produced no report', false);
}

// Playwright end-to-end, when there are specs.
if (hasSpecs('e2e')) {
  const pwJson = path.join(tmp, 'playwright.json');
  rmSync(pwJson, { force: true });
  const pwStatus = run(bin('playwright'), ['test', '--reporter=list,json'], { PLAYWRIGHT_JSON_OUTPUT_NAME: pwJson });
  if (existsSync(pwJson)) {
    const s = JSON.parse(readFileSync(pwJson, 'utf8')).stats;
    passed += s.expected + (s.flaky ?? 0);
    failed += s.unexpected;
    if (pwStatus !== 0 && s.unexpected === 0) step('playwright exited non-zero', false);
  } else {
    step('playwright produced no report', false);
  }
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);

function hasSources(dir) {
  return readdirSync(path.join(root, dir), { recursive: true }).some((f) => /\.(ts|tsx)$/.test(String(f)));
}
function hasSpecs(dir) {
  return existsSync(path.join(root, dir)) && readdirSync(path.join(root, dir), { recursive: true }).some((f) => /\.spec\.ts$/.test(String(f)));
}
