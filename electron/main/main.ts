// The Electron main process: thin on purpose. It starts the desktop (hub + This computer's
// app-server), opens the window and serves the bridge over IPC. Everything else lives where it
// can be tested without Electron (bridge/, web/, the app-server).
import { app, BrowserWindow } from 'electron';
import path from 'node:path';
import { serveBridgeOverIpc } from './bridge/ipc';
import { startDesktop, type Desktop } from './bridge/desktop';
import { createMainWindow } from './window';

// dist/electron-main.cjs sits next to dist/preload.cjs and dist/renderer/.
const dist = __dirname;

// A failure in one host's background work (a dropped link, a refused reconnect) is shown as that
// host's status; it must never take the app and every other host's threads down with it.
process.on('unhandledRejection', (reason) => {
  console.error('baton: unexpected background error:', reason);
});

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let desktop: Desktop | null = null;
  let win: BrowserWindow | null = null;

  const open = () => {
    if (!desktop) return;
    const created = createMainWindow({ preload: path.join(dist, 'preload.cjs'), indexHtml: path.join(dist, 'renderer', 'index.html') });
    win = created.win;
    const stop = serveBridgeOverIpc(win, desktop.dispatch, (l) => desktop!.hub.onPush(l), created.pageUrl);
    win.on('closed', () => {
      stop();
      win = null;
    });
  };

  app.on('second-instance', () => {
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (!win) open();
  });
  app.on('will-quit', (event) => {
    if (!desktop) return;
    // Running turns are recorded as interrupted before the process goes.
    event.preventDefault();
    const d = desktop;
    desktop = null;
    void d.close().finally(() => app.exit(0));
  });

  void app.whenReady().then(async () => {
    // Packaged: the server bundle is a plain file in resources/server (see build/electron-builder.yml).
    const bundlePath = app.isPackaged ? path.join(process.resourcesPath, 'server', 'baton.cjs') : path.join(dist, 'baton.cjs');
    desktop = await startDesktop({ bundlePath });
    open();
  });
}
