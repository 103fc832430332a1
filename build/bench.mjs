// `npm run bench`: bundles bench/run.ts like the CLI (one CJS file, so CommonJS packages such as
// ssh2 load the same way they do in `baton`) and runs it. The bench's own helper process
// (bench/sink.ts) is started from the source folder with tsx.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'dist', 'bench.cjs');
const { transportAliases } = await import('../electron/app-server/transport/bundle-alias.mjs');
await build({
  entryPoints: [path.join(root, 'bench', 'run.ts')],
  outfile: out,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  alias: transportAliases,
  external: ['bufferutil', 'utf-8-validate', 'cpu-features', '*.node', 'electron'],
  define: { 'import.meta.dirname': JSON.stringify(path.join(root, 'bench')) },
  logLevel: 'warning',
});
const r = spawnSync(process.execPath, [out, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
