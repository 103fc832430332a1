// Errors of the thread service. They are RpcErrors, so the API, the CLI and the UI render
// them the same way (kind, message, hint).
import { RpcError } from '../../../shared/rpc/errors';

/**
 * A write carried an ownership epoch older than the thread's, or the thread has moved away:
 * whoever wrote it no longer owns the thread (typically a turn still unwinding after a handoff).
 */
export class FencedError extends RpcError {
  constructor(
    readonly threadId: string,
    readonly writerEpoch: number,
    readonly threadEpoch: number,
    movedTo?: string,
  ) {
    super(
      'fenced',
      movedTo
        ? `Thread ${threadId} has moved to ${movedTo}; this host can no longer change it.`
        : `Thread ${threadId} is owned under epoch ${threadEpoch}; a write from epoch ${writerEpoch} was refused.`,
      movedTo ? `Open the thread on ${movedTo}, or bring it back here first.` : 'Reload the thread; another owner has taken it over.',
    );
    this.name = 'FencedError';
  }
}

/** The turn this write belongs to has already ended (interrupted or finished). */
export class TurnOverError extends RpcError {
  constructor(threadId: string, turnId: string) {
    super('conflict', `Turn ${turnId} of thread ${threadId} has ended; its late writes are dropped.`);
    this.name = 'TurnOverError';
  }
}
