// The sidebar's one list from every host's list. Pure. A thread lives on exactly one host; the
// host it left keeps a `moved` tombstone. The tombstone is shown only while no host lists the
// live thread (its new host is offline, or not connected yet), so a moved thread never
// disappears from view and is never listed twice.
import type { BridgeThread } from '../../../shared/contracts/bridge';
import type { ThreadSummary } from '../../../shared/contracts/rpc';

export interface HostThreads {
  online: boolean;
  threads: Iterable<ThreadSummary>;
}

export function mergeThreadLists(hosts: Iterable<HostThreads>, includeArchived = false): BridgeThread[] {
  const all: BridgeThread[] = [];
  for (const h of hosts) for (const t of h.threads) if (includeArchived || !t.archived) all.push({ ...t, online: h.online });
  const live = new Set(all.filter((t) => t.status !== 'moved').map((t) => t.id));
  const seen = new Set<string>();
  const out: BridgeThread[] = [];
  for (const t of all) {
    if (t.status === 'moved' && live.has(t.id)) continue;
    // Two tombstones of one thread (it moved twice while its owner is away): one is enough.
    if (t.status === 'moved' && seen.has(t.id)) continue;
    seen.add(t.id);
    out.push(t);
  }
  return out.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
}
