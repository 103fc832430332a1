// Handoff on the app-server's JSON-RPC API: the methods of shared/contracts/handoff.ts, the
// `handoff/progress` notification, and `handoff/peer`, through which another app-server's
// coordinator reaches this host's destination role over any RPC connection. Also the PeerLink
// that speaks `handoff/peer` to another host through an RPC client.
import { handoffMethods, handoffNotifications, PeerRequest, PeerResponse } from '../../../shared/contracts/handoff';
import { RpcError } from '../../../shared/rpc/errors';
import type { RpcErrorName } from '../../../shared/contracts/rpc';
import type { ProjectStore } from '../projects/projectStore';
import type { RpcServer } from '../rpc/dispatcher';
import type { ThreadStore } from '../storage/threadStore';
import type { ThreadService } from '../threads/service';
import { HandoffFailure, PeerUnavailableError, type PeerLink } from './peer';
import { HandoffService, type HandoffServiceOptions } from './service';

export interface HandoffHostParts {
  home: string;
  hostId: string;
  serverVersion: string;
  store: ThreadStore;
  threads: ThreadService;
  projects: ProjectStore;
  rpc: RpcServer;
}

/**
 * Creates this host's HandoffService, registers handoff/* on its RPC server, and runs recovery
 * once (open operations from before a crash). Call `service.recover()` again whenever a host
 * (re)connects.
 */
export function registerHandoff(parts: HandoffHostParts, opts: Pick<HandoffServiceOptions, 'peers' | 'hosts' | 'chunkBytes' | 'retries' | 'retryDelayMs'>): {
  service: HandoffService;
  recovered: Promise<unknown>;
} {
  const service = new HandoffService({
    ...parts,
    ...opts,
    notify: (p) => parts.rpc.notifyExtension('handoff/progress', p),
  });
  const rpcErrors = <T>(f: () => Promise<T> | T): Promise<T> =>
    Promise.resolve()
      .then(f)
      .catch((e: unknown) => {
        throw e instanceof HandoffFailure ? new HandoffRpcError(e) : e;
      });
  parts.rpc.register(
    handoffMethods,
    {
      'handoff/destinations': (p) => rpcErrors(() => service.destinations(p.thread)),
      'handoff/prepare': (p) => rpcErrors(async () => ({ review: await service.prepare(p) })),
      'handoff/start': (p) => rpcErrors(() => service.start(p)),
      'handoff/status': (p) => rpcErrors(() => service.status(p.operationId)),
      'handoff/cancel': (p) => rpcErrors(() => service.cancel(p.operationId)),
      'handoff/peer': async (p) => ({ response: await service.handle(p.request, p.payload === undefined ? undefined : Buffer.from(p.payload, 'base64')) }),
    },
    handoffNotifications,
  );
  const recovered = service.recover().catch(() => undefined);
  return { service, recovered };
}

/** Refusals are `policyRefused`, the rest `conflict`; `data.code` carries the handoff's own word. */
const refusals = new Set(['self-handoff', 'thread-moved', 'already-handing-off', 'archived', 'same-host', 'not-connected', 'version-skew', 'no-matching-project', 'subdirectory-differs', 'branch-diverged', 'branch-unrelated']);

export class HandoffRpcError extends RpcError {
  constructor(readonly failure: HandoffFailure) {
    super((refusals.has(failure.code) ? 'policyRefused' : failure.code === 'unknown-operation' ? 'notFound' : 'conflict') as RpcErrorName, failure.message, failure.hint);
    this.name = 'HandoffRpcError';
  }

  override toJSON() {
    return { code: this.code, message: this.message, data: { code: this.failure.code, ...(this.hint ? { hint: this.hint } : {}) } };
  }
}

/**
 * A PeerLink over a JSON-RPC client of the other host's app-server: each peer message is one
 * `handoff/peer` call. `call` rejects when the connection is gone; that becomes
 * PeerUnavailableError, so the coordinator retries or recovers instead of failing the thread.
 */
export class RpcPeerLink implements PeerLink {
  constructor(
    private readonly host: string,
    private readonly callRpc: (method: 'handoff/peer', params: unknown) => Promise<unknown>,
  ) {}

  async send(req: PeerRequest, payload?: Uint8Array): Promise<PeerResponse> {
    let result: unknown;
    try {
      result = await this.callRpc('handoff/peer', { request: PeerRequest.parse(req), ...(payload ? { payload: Buffer.from(payload).toString('base64') } : {}) });
    } catch (e) {
      if (e instanceof RpcError) throw new HandoffFailure('transfer-failed', `Host "${this.host}" refused the handoff message: ${e.message}`, e.hint);
      throw new PeerUnavailableError(this.host, e instanceof Error ? e.message : String(e));
    }
    return PeerResponse.parse((result as { response: unknown }).response);
  }
}
