// `npm start`: the desktop app when Electron's binary is installed, otherwise browser mode (the
// same renderer and bridge on 127.0.0.1, URL printed). Runs after `npm run build`.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

function electronBinary() {
  try {
    // The `electron` package exports the binary's path, and throws when it was never downloaded.
    const p = require('electron');
    return typeof p === 'string' && existsSync(p) ? p : null;
  } catch {
    return null;
  }
}

const forceWeb = process.argv.includes('--web') || process.env.BATON_BROWSER_MODE === '1';
const electron = forceWeb ? null : electronBinary();
const [cmd, args] = electron
  ? [electron, [path.join(root, 'dist', 'electron-main.cjs')]]
  : [process.execPath, [path.join(root, 'dist', 'baton-web.cjs')]];
if (!electron && !forceWeb) console.error('Electron is not installed here; starting Baton in browser mode instead.');

const child = spawn(cmd, args, { stdio: 'inherit', cwd: root });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
