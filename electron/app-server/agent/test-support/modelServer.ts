// A model server on 127.0.0.1 for the provider tests: real HTTP, real SSE streaming, replaying
// the recorded responses in ./recorded one request at a time — or misbehaving on purpose
// (hanging, sending garbage, failing with an HTTP error). The fake is the model, not our code.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const recorded = path.join(path.dirname(fileURLToPath(import.meta.url)), 'recorded');

export type Reply =
  | { sse: string; crlf?: boolean; stallAfterEvents?: number }
  | { raw: string; contentType: string; status?: number }
  | { hang: 'before-headers' };

export interface SeenRequest {
  url: string;
  headers: http.IncomingHttpHeaders;
  body: { model: string; messages: { role: string; content: string | null; tool_call_id?: string; tool_calls?: unknown[] }[]; tools: unknown[]; stream: boolean };
  /** Resolves when the client closed the connection (e.g. the request was aborted). */
  closed: Promise<void>;
}

export interface ModelServer {
  baseUrl: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

export async function startModelServer(replies: Reply[]): Promise<ModelServer> {
  const requests: SeenRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    let data = '';
    req.on('data', (d) => (data += d));
    req.on('end', () => {
      const closed = new Promise<void>((resolve) => res.on('close', () => resolve()));
      requests.push({ url: req.url ?? '', headers: req.headers, body: JSON.parse(data), closed });
      const reply = replies.shift();
      if (!reply) {
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"message":"the test ran out of scripted replies"}}');
        return;
      }
      if ('hang' in reply) return; // never answer
      if ('raw' in reply) {
        res.writeHead(reply.status ?? 200, { 'content-type': reply.contentType }).end(reply.raw);
        return;
      }
      let text = readFileSync(path.join(recorded, reply.sse), 'utf8');
      if (reply.crlf) text = text.replace(/\n/g, '\r\n');
      const events = text.split(reply.crlf ? /(?<=\r\n\r\n)/ : /(?<=\n\n)/);
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
      res.flushHeaders();
      let i = 0;
      const next = () => {
        if (res.destroyed) return;
        if (reply.stallAfterEvents !== undefined && i >= reply.stallAfterEvents) return; // keep the socket open, say nothing
        if (i >= events.length) return void res.end();
        // Each event goes out in two writes, cut mid-JSON, as TCP may deliver it.
        const ev = events[i++]!;
        const cut = Math.floor(ev.length / 2);
        res.write(ev.slice(0, cut));
        res.write(ev.slice(cut));
        const t = setTimeout(() => {
          timers.delete(t);
          next();
        }, 2);
        timers.add(t);
      };
      next();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    async close() {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
