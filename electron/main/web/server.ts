// Browser mode: the built renderer served on 127.0.0.1 and the bridge over a local WebSocket.
// It is how the UI runs where Electron cannot (tests here, a headless box used from a browser),
// so it carries the same contract and the same checks as Electron IPC: every request goes
// through the one dispatcher, and nothing is reachable without the per-start token.
import { createReadStream, existsSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_BRIDGE_MESSAGE_BYTES, type BridgePushName } from '../../../shared/contracts/bridge';
import type { BridgeDispatch } from '../bridge/dispatch';
import type { PushListener } from '../bridge/hub';
import { newToken, tokenMatches } from './token';

export interface WebServerOptions {
  /** dist/renderer: index.html and its assets. */
  rendererDir: string;
  dispatch: BridgeDispatch;
  onPush: (listener: PushListener) => () => void;
  port?: number;
  token?: string;
}

export interface WebServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const BRIDGE_PATH = '/bridge';
const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.map': 'application/json',
};

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const token = opts.token ?? newToken();
  const root = path.resolve(opts.rendererDir);
  if (!existsSync(path.join(root, 'index.html'))) {
    throw new Error(`The renderer is not built (${path.join(root, 'index.html')} is missing). Run \`npm run build\` first.`);
  }
  let origin = '';

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const headers = securityHeaders(origin);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, headers).end('Method not allowed\n');
      return;
    }
    let rel = decodeURIComponent(url.pathname);
    if (rel === '/' || rel === '/index.html') {
      // The page itself is the door: without the token there is nothing to see.
      if (!tokenMatches(token, url.searchParams.get('token'))) {
        res.writeHead(403, { ...headers, 'content-type': 'text/plain; charset=utf-8' }).end('Open the URL printed by `npm run start:web` (it carries the access token).\n');
        return;
      }
      rel = '/index.html';
    }
    const file = path.resolve(root, '.' + rel);
    if (!file.startsWith(root + path.sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { ...headers, 'content-type': 'text/plain; charset=utf-8' }).end('Not found\n');
      return;
    }
    res.writeHead(200, { ...headers, 'content-type': types[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_BRIDGE_MESSAGE_BYTES });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    // Origin check too: a page from another site must not ride a leaked token via the browser.
    const okOrigin = req.headers.origin === undefined || req.headers.origin === origin;
    if (url.pathname !== BRIDGE_PATH || !okOrigin || !tokenMatches(token, url.searchParams.get('token'))) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serveBridge(ws, opts));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/?token=${token}`,
    port,
    token,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function serveBridge(ws: WebSocket, opts: WebServerOptions) {
  const unsubscribe = opts.onPush((name: BridgePushName, payload) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ push: name, payload }));
  });
  ws.on('message', async (data) => {
    let request: unknown;
    try {
      request = JSON.parse(data.toString());
    } catch {
      request = null; // the dispatcher answers a malformed request with a clear error
    }
    const response = await opts.dispatch(request);
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(response));
  });
  ws.on('close', unsubscribe);
  ws.on('error', unsubscribe);
}

/** The same Content-Security-Policy as the Electron window: our scripts, our socket, nothing else. */
export function securityHeaders(origin: string): Record<string, string> {
  const ws = origin.replace(/^http/, 'ws');
  return {
    'content-security-policy': [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data:",
      "font-src 'self'",
      `connect-src 'self' ${ws}`,
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
  };
}
