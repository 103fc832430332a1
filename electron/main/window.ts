// The one window: a sandboxed renderer with context isolation, no Node, a strict CSP (in the page
// and as a header), no navigation away, no new windows, no permissions, and no network requests
// other than the local files it was loaded from.
import { BrowserWindow, nativeTheme, session, shell } from 'electron';
import { pathToFileURL } from 'node:url';

export const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function createMainWindow(opts: { preload: string; indexHtml: string }): { win: BrowserWindow; pageUrl: string } {
  const pageUrl = pathToFileURL(opts.indexHtml).toString();
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  // No remote content at all: the page, its scripts and styles are files inside the app.
  ses.webRequest.onBeforeRequest((details, callback) => {
    const ok = details.url.startsWith('file://') || details.url.startsWith('devtools://');
    callback({ cancel: !ok });
  });
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });

  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 860,
    minHeight: 520,
    show: false,
    title: 'Baton',
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#1b1c1f' : '#ffffff',
    webPreferences: {
      preload: opts.preload,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      sandbox: true,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  });
  win.webContents.setWindowOpenHandler(({ url }) => {
    // Links to documentation open in the user's browser, never inside the app.
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (event, url) => {
    if (url.split('?')[0] !== pageUrl) event.preventDefault();
  });
  win.webContents.on('will-attach-webview', (event) => event.preventDefault());
  win.once('ready-to-show', () => win.show());
  void win.loadURL(pageUrl);
  return { win, pageUrl };
}
