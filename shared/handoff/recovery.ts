// What recovery concludes about one handoff operation from the two journals. Pure.
//
// The protocol is a two-phase commit with the SOURCE as coordinator and exactly one durable
// decision point: the source's `committed` journal record.
//
//   source                                   destination
//   prepared   (review; nothing locked)
//   frozen     (turn interrupted, thread fenced: status handing-off)
//              ── offer / transfer parts ──▶  receiving  (parts verified one by one)
//              ◀──────── staged-ack ───────  staged     (everything verified, durably kept: the vote)
//   committed  ← THE decision point
//              ───────── commit ──────────▶  committed  (the commit message is durable proof)
//                                            applied    (git restored, thread written epoch+1, owner = destination)
//              ◀──────── applied-ack ──────
//   moved      (tombstone pointing at the destination)
//
// Why this shape:
// - One decision point means there is never a question of *whose* record wins: before the source
//   has written `committed`, no commit message exists anywhere, so aborting is always safe; after
//   it, the decision is final and every path leads to the destination.
// - The destination votes (`staged`) only after it has verified and fsync'd everything, so once
//   the source decides commit, applying can no longer fail for lack of data (and if the
//   destination's disk lost it anyway, the source still has the log and the capture to resend).
// - The destination applies before the source tombstones, so the thread is never live on both
//   sides (the source is fenced from `frozen` on) and, once recovery has run with both sides
//   reachable, never live on neither.
// - "Presumed abort": a source that restarts and finds an operation without a decision aborts it.
//   That is not a guess: only the source can decide, and it has not. A destination that has voted
//   and cannot reach the source is genuinely in doubt: it stays staged (not live) and asks again.
// - The destination's `committed`/`applied` records carry the source's commit message, so they
//   prove the decision even if the source's journal was lost; the only contradiction the protocol
//   cannot produce — a source `aborted` next to a destination `committed` — is resolved for the
//   decision point (the source) and flagged as an anomaly; the destination's copy is quarantined,
//   never deleted.

/** The last durable record of an operation in the source's journal. */
export type SourcePhase = 'none' | 'prepared' | 'frozen' | 'committed' | 'moved' | 'aborted';
/** The last durable record of an operation in the destination's journal. */
export type DestinationPhase = 'none' | 'receiving' | 'staged' | 'committed' | 'applied' | 'aborted';

export const SOURCE_PHASES: readonly SourcePhase[] = ['none', 'prepared', 'frozen', 'committed', 'moved', 'aborted'];
export const DESTINATION_PHASES: readonly DestinationPhase[] = ['none', 'receiving', 'staged', 'committed', 'applied', 'aborted'];

export type SourceAction =
  /** Durably record the abort decision (only legal while no commit is recorded). */
  | 'record-abort'
  /** Lift the fence: the thread is live on the source again (its interrupted turn stays interrupted). */
  | 'unfreeze'
  /** Adopt the commit proven by the destination's journal. */
  | 'record-commit'
  /** Send the thread log and Git pack again: the destination lost what it had staged. */
  | 'resend-transfer'
  | 'send-commit'
  /** Append `moved` to the source's log: a read-only tombstone pointing at the destination. */
  | 'write-tombstone'
  | 'send-abort';

export type DestinationAction =
  /** Drop staged parts and incoming refs; an applied copy is quarantined, never deleted. */
  | 'roll-back'
  /** Receive (again) what the source resends. */
  | 'restage'
  /** Restore Git state and write the thread with epoch+1, owner = destination (idempotent). */
  | 'apply'
  | 'send-applied-ack'
  /** The thread is live here: start accepting turns (and the follow-up prompt, once). */
  | 'resume'
  /** Keep what is staged and ask the source again later. */
  | 'wait-for-source';

export type Live = 'source' | 'destination' | 'in-doubt';

export interface Resolution {
  /** Where the thread is live once the actions are done. `in-doubt` only when the deciding side is unreachable. */
  live: Live;
  source: SourceAction[];
  destination: DestinationAction[];
  /** Run recovery again when the other side is reachable (something is still owed to it). */
  retry: boolean;
  /** A combination the protocol cannot produce (lost or damaged journal): resolved, but say so loudly. */
  anomaly?: string;
}

export type Side<P> = P | 'unreachable';

export function resolveRecovery(source: Side<SourcePhase>, destination: Side<DestinationPhase>): Resolution {
  if (source === 'unreachable' && destination === 'unreachable') {
    throw new Error('resolveRecovery needs at least one side: it runs on the source or the destination');
  }
  if (source === 'unreachable') return fromDestinationOnly(destination as DestinationPhase);
  if (destination === 'unreachable') return fromSourceOnly(source);

  const commitProof = destination === 'committed' || destination === 'applied';
  const sourceCommitted = source === 'committed' || source === 'moved';

  if (source === 'aborted') {
    // The decision point said abort: final, even against a destination that claims a commit.
    return {
      live: 'source',
      source: ['unfreeze'],
      destination: destination === 'none' || destination === 'aborted' ? [] : ['roll-back'],
      retry: false,
      anomaly: commitProof ? `the source recorded an abort but the destination is ${destination}; the destination's copy is quarantined` : undefined,
    };
  }

  if (sourceCommitted || commitProof) {
    const src: SourceAction[] = [];
    const dst: DestinationAction[] = [];
    let anomaly: string | undefined;
    if (!sourceCommitted) {
      src.push('record-commit');
      anomaly = `the destination holds the commit but the source's journal says ${source}`;
    }
    if (destination === 'none' || destination === 'receiving' || destination === 'aborted') {
      // The destination voted before the source could commit, so it has lost its staged copy.
      if (destination !== 'receiving') anomaly ??= `the source committed but the destination's journal says ${destination}`;
      else anomaly ??= 'the source committed but the destination never finished staging';
      src.push('resend-transfer');
      dst.push('restage');
    }
    if (destination !== 'applied') {
      if (destination !== 'committed') src.push('send-commit');
      dst.push('apply');
    }
    dst.push('send-applied-ack', 'resume');
    if (source !== 'moved') src.push('write-tombstone');
    else if (destination !== 'applied' && destination !== 'committed') anomaly ??= `the source is a tombstone but the destination's journal says ${destination}`;
    else if (destination === 'committed') anomaly ??= 'the source tombstoned before the destination recorded applying';
    return { live: 'destination', source: src, destination: dst, retry: false, anomaly };
  }

  // No commit anywhere (source none | prepared | frozen): presumed abort.
  const src: SourceAction[] = [];
  if (source !== 'none') src.push('record-abort');
  if (source === 'frozen') src.push('unfreeze');
  return {
    live: 'source',
    source: src,
    destination: destination === 'none' || destination === 'aborted' ? [] : ['roll-back'],
    retry: false,
    anomaly: source === 'none' && destination !== 'none' && destination !== 'aborted' ? `the destination is ${destination} but the source has no record of the operation` : undefined,
  };
}

/** Recovery run by the source while the destination cannot be reached. */
function fromSourceOnly(source: SourcePhase): Resolution {
  switch (source) {
    case 'none':
      return { live: 'source', source: [], destination: [], retry: false };
    case 'prepared':
      // Nothing was locked; the destination may hold pre-staged objects, which it rolls back when told.
      return { live: 'source', source: ['record-abort'], destination: [], retry: true };
    case 'frozen':
      // Presumed abort: no commit message can exist, so giving the thread back is safe now.
      return { live: 'source', source: ['record-abort', 'unfreeze'], destination: [], retry: true };
    case 'committed':
      // Decided, not finished: the thread stays fenced (read-only) here until the destination applies.
      return { live: 'destination', source: [], destination: [], retry: true };
    case 'moved':
      // Tombstoned only after the destination acknowledged applying: nothing is owed.
      return { live: 'destination', source: [], destination: [], retry: false };
    case 'aborted':
      return { live: 'source', source: ['unfreeze'], destination: [], retry: true };
  }
}

/** Recovery run by the destination while the source cannot be reached. */
function fromDestinationOnly(destination: DestinationPhase): Resolution {
  switch (destination) {
    case 'none':
    case 'aborted':
      return { live: 'source', source: [], destination: [], retry: false };
    case 'receiving':
    case 'staged':
      // Only the source knows whether it decided; a destination never guesses (and never goes
      // live without the commit). Keep the verified parts so a resumed transfer continues.
      return { live: 'in-doubt', source: [], destination: ['wait-for-source'], retry: true };
    case 'committed':
      return { live: 'destination', source: [], destination: ['apply', 'resume'], retry: true };
    case 'applied':
      return { live: 'destination', source: [], destination: ['resume'], retry: true };
  }
}

/** Whether the thread is live (owned and writable) on a side once recovery's actions have run. */
export function liveAfter(side: 'source' | 'destination', phase: Side<SourcePhase> | Side<DestinationPhase>, r: Resolution): boolean {
  if (phase === 'unreachable') return false;
  if (side === 'source') {
    if (r.source.includes('write-tombstone') || r.source.includes('record-commit')) return false;
    // A source that never froze is live; a fenced one only once it is unfrozen.
    return r.source.includes('unfreeze') || phase === 'none' || phase === 'prepared';
  }
  return r.destination.includes('resume') && !r.destination.includes('roll-back');
}
