// `npm run start:web`: browser mode. Starts the desktop (hub + This computer's app-server),
// serves the built renderer and the bridge on 127.0.0.1 with a fresh token, prints the URL.
// Environment: BATON_HOME (data), BATON_WEB_PORT (default: a free port).
import path from 'node:path';
import { startDesktop } from '../bridge/desktop';
import { startWebServer } from './server';

// A failure in one host's background work (a dropped link, a refused reconnect) is shown as that
// host's status; it must never take the app and every other host's threads down with it.
process.on('unhandledRejection', (reason) => {
  console.error('baton: unexpected background error:', reason);
});

async function main() {
  const desktop = await startDesktop({ bundlePath: path.join(__dirname, 'baton.cjs') });
  const port = process.env.BATON_WEB_PORT ? Number(process.env.BATON_WEB_PORT) : 0;
  const web = await startWebServer({
    rendererDir: process.env.BATON_RENDERER_DIR ?? path.join(__dirname, 'renderer'),
    dispatch: desktop.dispatch,
    onPush: (l) => desktop.hub.onPush(l),
    port,
  });
  // The first line is the URL alone, so scripts and tests can read it.
  process.stdout.write(`${web.url}\n`);
  process.stderr.write(`Baton is running in browser mode for ${desktop.home}. Open the URL above (it carries this run's access token). Ctrl+C stops it.\n`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await web.close();
    await desktop.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((e) => {
  process.stderr.write(`baton: browser mode could not start: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
