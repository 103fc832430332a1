// What handoff needs from the thread service and its store, in one place, on their public APIs:
// freeze/unfreeze (the fence), the tombstone, and installing an incoming log. Each operation is
// idempotent (it looks at the thread first), because recovery may run any of them again.
import type { ThreadEvent, ThreadEventBody } from '../../../shared/contracts/events';
import type { Announce, ThreadState, ThreadStore } from '../storage/threadStore';
import type { ThreadService } from '../threads/service';
import { HandoffFailure } from './peer';

export class ThreadAccess {
  constructor(
    readonly store: ThreadStore,
    readonly service: ThreadService,
  ) {}

  exists(id: string): boolean {
    return this.store.exists(id);
  }

  /** The thread's state without its transcript (all handoff decides on; see ThreadStore.readState). */
  read(id: string): Promise<ThreadState> {
    return this.store.readState(id);
  }

  events(id: string): ThreadEvent[] {
    return this.store.readEvents(id);
  }

  /**
   * Interrupts the running turn and resolves once it is recorded as interrupted and its
   * processes are gone (the service kills the process group before the turn ends).
   */
  async interrupt(id: string): Promise<void> {
    await this.service.interrupt({ thread: id });
    await this.service.waitForTurn(id);
  }

  /**
   * The fence: status `handing-off`, written only when no turn is active, so the capture that
   * follows is final. Returns the epoch (the fencing token) and the revision frozen at.
   */
  async freeze(id: string): Promise<{ epoch: number; revision: number }> {
    for (let attempt = 0; attempt < 5; attempt++) {
      // A turn could start between the interrupt and the fence: interrupt again and retry.
      await this.interrupt(id);
      const t = await this.store.readState(id);
      try {
        await this.store.append(id, (cur) => (cur.status === 'handing-off' ? [] : [{ kind: 'status_changed', status: 'handing-off' }]), {
          epoch: t.epoch,
          guard: (cur) => {
            if (cur.status === 'moved') throw new HandoffFailure('thread-moved', `Thread ${id} has already moved to ${cur.movedTo}.`);
            if (cur.epoch !== t.epoch) throw new HandoffFailure('thread-moved', `Thread ${id} changed owner while it was being frozen.`);
            if (cur.activeTurnId) throw new TurnStillActive();
          },
        });
      } catch (e) {
        if (e instanceof TurnStillActive) continue;
        throw e;
      }
      const frozen = await this.store.readState(id);
      return { epoch: frozen.epoch, revision: frozen.revision };
    }
    throw new HandoffFailure('capture-failed', `Thread ${id} keeps starting new turns; it could not be frozen.`, 'Stop whatever sends it messages, then hand it off again.');
  }

  /** Lifts the fence (abort): the thread is live here again. Its interrupted turn stays interrupted. */
  async unfreeze(id: string): Promise<void> {
    if (!this.store.exists(id)) return;
    await this.store.append(id, (cur) => (cur.status === 'handing-off' ? [{ kind: 'status_changed', status: 'idle' }] : []), {
      epoch: (await this.store.readState(id)).epoch,
    });
  }

  /**
   * Runs `decide` inside the thread's write queue if the thread is still exactly as frozen:
   * no write can come between the check and the decision.
   */
  async whileFrozenAt(id: string, revision: number, decide: () => void): Promise<void> {
    const t = await this.store.readState(id);
    await this.store.append(id, () => [], {
      epoch: t.epoch,
      guard: (cur) => {
        if (cur.status !== 'handing-off' || cur.revision !== revision) {
          throw new HandoffFailure(
            'transfer-failed',
            `Thread ${id} changed while it was being handed off (revision ${cur.revision}, status ${cur.status}; frozen at ${revision}).`,
            'Nothing was moved; hand it off again.',
          );
        }
        decide();
      },
    });
  }

  /** The source's tombstone: read-only from here on, pointing at the destination. */
  async tombstone(id: string, to: string): Promise<void> {
    const t = await this.store.readState(id);
    if (t.status === 'moved' && t.movedTo === to) return;
    await this.store.append(id, (cur) => (cur.status === 'moved' ? [] : [{ kind: 'moved', to }]), { epoch: t.epoch });
  }

  /**
   * Makes `events` this host's log of the thread: creates it, or — when this host has an older
   * copy (the tombstone left by an earlier handoff) — appends what follows it. That older copy
   * must be a prefix of the incoming log (compared without write times: see `sameEvent`), so
   * history is only ever extended, never rewritten. Idempotent.
   */
  async install(events: ThreadEvent[], opts: Announce = {}): Promise<void> {
    const id = (events[0] as Extract<ThreadEvent, { kind: 'thread_created' }>).meta.id;
    if (!this.store.exists(id)) {
      await this.store.create(events, opts);
      return;
    }
    const have = this.store.readEvents(id);
    assertPrefix(id, have, events);
    if (have.length >= events.length) return;
    const t = await this.store.readState(id);
    if (t.status !== 'moved') {
      throw new HandoffFailure('apply-failed', `Thread ${id} is live on this host (${t.status}); a second copy cannot arrive.`, 'Hand it off from here instead.');
    }
    // Verbatim: revisions, epochs and write times as the sender has them, so both copies of the
    // log stay byte-comparable after a round trip.
    await this.store.appendVerbatim(id, events.slice(have.length), {
      ...opts,
      guard: (cur) => {
        if (cur.revision !== have.length) throw new HandoffFailure('apply-failed', `Thread ${id} changed while it was being received (revision ${cur.revision}, expected ${have.length}).`);
      },
    });
  }

  async startTurn(id: string, input: string): Promise<void> {
    await this.service.startTurn({ thread: id, input });
  }
}

class TurnStillActive extends Error {}

/**
 * This host's copy of a thread (an older tombstone) must be where the incoming log came from:
 * a prefix of it, or the incoming log itself (an apply that is being repeated).
 */
export function assertPrefix(id: string, have: readonly ThreadEvent[], incoming: readonly ThreadEvent[]): void {
  const common = Math.min(have.length, incoming.length);
  for (let i = 0; i < common; i++) {
    if (!sameEvent(have[i]!, incoming[i]!)) {
      throw new HandoffFailure(
        'apply-failed',
        `This host's copy of thread ${id} differs from the incoming one at revision ${i + 1}; it was not overwritten.`,
        "Both copies are kept. Export this host's copy (baton thread export) before moving the thread here.",
      );
    }
  }
  if (have.length > incoming.length) {
    throw new HandoffFailure('apply-failed', `This host has a newer copy of thread ${id} (revision ${have.length}) than the incoming one (${incoming.length}).`);
  }
}

/** An event without its envelope: what the store appends. */
function bodyOf(e: ThreadEvent): ThreadEventBody {
  const { rev: _rev, at: _at, epoch: _epoch, ...body } = e;
  return body as ThreadEventBody;
}

/**
 * Two events are the same when everything but their write time matches. The store stamps the
 * time of an append itself, so a log that came back from another host carries this host's
 * times for the events it appended (see the report to the storage owner: an append that keeps
 * the sender's times would make this exact equality).
 */
export function sameEvent(a: ThreadEvent, b: ThreadEvent): boolean {
  return a.rev === b.rev && a.epoch === b.epoch && JSON.stringify(bodyOf(a)) === JSON.stringify(bodyOf(b));
}
