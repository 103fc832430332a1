// The two ways the renderer reaches the main process. Electron: the preload exposes exactly one
// object, `window.batonBridge` (contextBridge, no Node). Browser mode: a WebSocket to the local
// server, authenticated with the token that came in the page's URL; it reconnects by itself and
// the stores catch up from the revisions they hold.
import type { BridgeTransport } from './client';

export interface PreloadBridge {
  request(envelope: { id: number; method: string; payload: unknown }): Promise<unknown>;
  onPush(listener: (envelope: unknown) => void): void;
}

declare global {
  interface Window {
    batonBridge?: PreloadBridge;
  }
}

export function ipcTransport(bridge: PreloadBridge): BridgeTransport {
  return { request: (env) => bridge.request(env), onPush: (l) => bridge.onPush(l) };
}

export function webSocketTransport(url: string): BridgeTransport {
  const pending = new Map<number, (response: unknown) => void>();
  const pushListeners = new Set<(env: unknown) => void>();
  const stateListeners = new Set<(s: 'open' | 'closed') => void>();
  let ws: WebSocket;
  let ready: Promise<void>;
  let retryMs = 250;

  const connect = () => {
    ws = new WebSocket(url);
    ready = new Promise((resolve) => ws.addEventListener('open', () => resolve(), { once: true }));
    ws.addEventListener('open', () => {
      retryMs = 250;
      for (const l of stateListeners) l('open');
    });
    ws.addEventListener('message', (ev) => {
      let msg: unknown;
      try {
        msg = JSON.parse(String(ev.data));
      } catch {
        return;
      }
      const m = msg as { id?: unknown; push?: unknown };
      if (typeof m.push === 'string') {
        for (const l of pushListeners) l(msg);
      } else if (typeof m.id === 'number') {
        pending.get(m.id)?.(msg);
        pending.delete(m.id);
      }
    });
    ws.addEventListener('close', () => {
      for (const [id, resolve] of pending) resolve({ id, ok: false, error: { code: 'disconnected', message: 'The connection to Baton was lost.', hint: 'It reconnects by itself; try again in a moment.' } });
      pending.clear();
      for (const l of stateListeners) l('closed');
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 5_000);
    });
  };
  connect();

  return {
    async request(env) {
      await ready;
      return new Promise((resolve) => {
        pending.set(env.id, resolve);
        ws.send(JSON.stringify(env));
      });
    },
    onPush: (l) => void pushListeners.add(l),
    onState: (l) => void stateListeners.add(l),
  };
}

/** Electron when the preload is there, else browser mode with the token from the page URL. */
export function defaultTransport(): BridgeTransport {
  if (window.batonBridge) return ipcTransport(window.batonBridge);
  const token = new URLSearchParams(window.location.search).get('token') ?? '';
  const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  return webSocketTransport(`${scheme}//${window.location.host}/bridge?token=${encodeURIComponent(token)}`);
}
