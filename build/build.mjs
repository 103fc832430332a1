// Builds everything `npm start`, `npm test` and the remote bootstrap run:
//   dist/baton.cjs    the `baton` CLI and headless app-server (`baton serve`), one self-contained
//                     file; the same file is what gets uploaded to remote hosts.
// Native add-ons (bufferutil, ssh2's optional crypto binding, cpu-features) stay external:
// each of them is loaded inside a try/catch by its owner and has a pure-JS fallback, so the
// bundle runs on a host where they were never compiled.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { transportAliases } from '../electron/app-server/transport/bundle-alias.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const nativeOptional = ['bufferutil', 'utf-8-validate', 'cpu-features', '*.node', 'electron'];

const nodeTargets = [
  { entry: 'electron/cli/main.ts', out: 'dist/baton.cjs' },
  // The desktop shell: Electron main, its sandboxed preload, and browser mode (`npm run start:web`).
  { entry: 'electron/main/main.ts', out: 'dist/electron-main.cjs' },
  { entry: 'electron/main/preload.ts', out: 'dist/preload.cjs' },
  { entry: 'electron/main/web/main.ts', out: 'dist/baton-web.cjs' },
];

for (const t of nodeTargets) {
  if (!existsSync(path.join(root, t.entry))) continue;
  await build({
    entryPoints: [path.join(root, t.entry)],
    outfile: path.join(root, t.out),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'linked',
    external: nativeOptional,
    // noise-handshake on node:crypto: sodium-native cannot load from a single uploaded file.
    alias: transportAliases,
    logLevel: 'warning',
    define: { 'process.env.BATON_BUNDLED': '"1"' },
  });
}
// The renderer (React) → dist/renderer/ with Vite; its config is renderer/vite.config.mjs.
if (existsSync(path.join(root, 'renderer', 'index.html'))) {
  const { build: viteBuild } = await import('vite');
  await viteBuild({ configFile: path.join(root, 'renderer', 'vite.config.mjs'), logLevel: 'warn' });
}
console.log('build: ok');
