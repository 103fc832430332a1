// The refs handoff keeps in a repository besides the thread's restored snapshots
// (refs/baton/snapshots/<thread>/<id>, git/restore.ts), and why: each keeps objects the next
// move of the same thread need not send again.
import { listRefs } from '../git/refs';

/** On the destination, while a review is open: the snapshot pre-staging took in (a have for the click). */
export function prestagedRef(thread: string): string {
  return `refs/baton/prestaged/${thread}`;
}

/**
 * On the source, after a thread left: its last snapshot, kept as a have for the thread's way
 * back (so the destination does not send this host's own files back to it). Dropped when the
 * thread arrives here again.
 */
export function sentRef(thread: string): string {
  return `refs/baton/sent/${thread}`;
}

/** This repository's snapshots of a thread: restored, pre-staged, and sent when it left. */
export async function threadSnapshots(repo: string, thread: string): Promise<string[]> {
  const refs = await Promise.all([`refs/baton/snapshots/${thread}/`, prestagedRef(thread), sentRef(thread)].map((p) => listRefs(repo, p)));
  return [...new Set(refs.flat().map((r) => r.oid))];
}
