// `npm start`: the desktop app when Electron's binary is installed, otherwise browser mode (the
// same renderer and bridge on 127.0.0.1, URL printed). Runs after `npm run build`.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

/**
 * The Electron binary if it is installed, else null. Not `require('electron')`: from Electron 42
 * on that *downloads* the binary when it is missing, which must never happen on a start (and
 * cannot work on machines without internet). Same lookup as the package's own index.js.
 */
function electronBinary() {
  let pkgDir;
  try {
    pkgDir = path.dirname(require.resolve('electron/package.json'));
  } catch {
    return null;
  }
  const pathFile = path.join(pkgDir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const exe = readFileSync(pathFile, 'utf8').trim();
  const full = process.env.ELECTRON_OVERRIDE_DIST_PATH ? path.join(process.env.ELECTRON_OVERRIDE_DIST_PATH, exe) : path.join(pkgDir, 'dist', exe);
  return existsSync(full) ? full : null;
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
