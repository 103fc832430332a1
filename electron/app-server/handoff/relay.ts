// The server side of a client relay (shared/contracts/handoffRelay.ts): a connection that
// called `handoff/relay {hosts}` becomes this host's PeerLink to those hosts. Each peer message
// goes out as a `handoff/relayRequest` notification on that connection alone and waits for the
// client's `handoff/relayAnswer`. When the connection closes (or an answer never comes) the
// pending messages fail as PeerUnavailableError: a cut connection, which the coordinator retries
// or recovers from, never a refusal.
import { handoffRelayNotifications } from '../../../shared/contracts/handoffRelay';
import type { PeerRequest, PeerResponse } from '../../../shared/contracts/handoff';
import type { MessageConnection } from '../rpc/dispatcher';
import { PeerUnavailableError, type PeerLink } from './peer';

/** Long enough for a 256 KiB part through a slow link; a relay silent this long is gone. */
const ANSWER_TIMEOUT_MS = 120_000;

interface Pending {
  resolve: (r: PeerResponse) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class RelayRegistry {
  private byHost = new Map<string, MessageConnection>();
  private pending = new Map<number, Pending & { connection: MessageConnection }>();
  private nextId = 1;
  private watched = new WeakSet<MessageConnection>();

  /** Registers `connection` as the path to `hosts`; the last registration for a host wins. */
  register(connection: MessageConnection, hosts: string[]): void {
    for (const h of hosts) this.byHost.set(h, connection);
    if (this.watched.has(connection)) return;
    this.watched.add(connection);
    connection.onClose(() => {
      for (const [h, c] of this.byHost) if (c === connection) this.byHost.delete(h);
      for (const [id, p] of this.pending) {
        if (p.connection !== connection) continue;
        this.pending.delete(id);
        clearTimeout(p.timer);
        p.reject(new PeerUnavailableError('', 'the relaying client disconnected', 'The client relaying to the other host disconnected.'));
      }
    });
  }

  hosts(): string[] {
    return [...this.byHost.keys()];
  }

  linkFor(host: string): PeerLink | null {
    if (!this.byHost.has(host)) return null;
    return { send: (req, payload) => this.send(host, req, payload) };
  }

  /** An answer from the client; one for an unknown id (timed out, another connection's) is dropped. */
  answer(connection: MessageConnection | null, id: number, response: PeerResponse): void {
    const p = this.pending.get(id);
    if (!p || p.connection !== connection) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    p.resolve(response);
  }

  private send(host: string, request: PeerRequest, payload: Uint8Array | undefined): Promise<PeerResponse> {
    const connection = this.byHost.get(host);
    if (!connection) return Promise.reject(new PeerUnavailableError(host, 'no client relays to it now'));
    const id = this.nextId++;
    const params = handoffRelayNotifications['handoff/relayRequest'].parse({ id, to: host, request, ...(payload ? { payload: Buffer.from(payload).toString('base64') } : {}) });
    return new Promise<PeerResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new PeerUnavailableError(host, 'the relaying client did not answer'));
      }, ANSWER_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer, connection });
      try {
        connection.send(JSON.stringify({ jsonrpc: '2.0', method: 'handoff/relayRequest', params }));
      } catch (e) {
        this.pending.delete(id);
        clearTimeout(timer);
        reject(new PeerUnavailableError(host, e instanceof Error ? e.message : String(e)));
      }
    });
  }
}
