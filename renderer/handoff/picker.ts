// The run-location picker's decisions, pure: which entries the footer menu shows, in what order,
// which can be chosen and what a greyed one says; how a running handoff reads as progress.
import { LOCAL_HOST_ID, type BridgeHandoffStatus, type Destination } from '../../shared/contracts/bridge';

export interface PickerEntry {
  host: string;
  label: string;
  /** Only eligible hosts other than the current one can be chosen. */
  selectable: boolean;
  current: boolean;
  /** Shown under a greyed entry (and as its accessible description). */
  reason?: string;
}

export function pickerEntries(destinations: readonly Destination[]): PickerEntry[] {
  const entries = destinations.map<PickerEntry>((d) => ({
    host: d.host,
    label: d.label,
    current: d.current,
    selectable: d.eligible && !d.current,
    ...(d.current ? { reason: 'The thread runs here now.' } : !d.eligible ? { reason: d.message ?? 'Not available.' } : {}),
  }));
  // This computer first (the way back is always in the same place), then choosable hosts, then
  // the rest; by name within each group.
  const rank = (e: PickerEntry) => (e.host === LOCAL_HOST_ID ? 0 : e.selectable ? 1 : 2);
  return entries.sort((a, b) => rank(a) - rank(b) || a.label.localeCompare(b.label));
}

export const stageLabels: Record<BridgeHandoffStatus['stage'], string> = {
  preparing: 'Preparing',
  freezing: 'Pausing the agent',
  transferring: 'Transferring',
  verifying: 'Verifying',
  committing: 'Committing',
  applying: 'Applying on the destination',
  finishing: 'Finishing',
  done: 'Done',
  aborted: 'Stopped',
};

/** 0..1 for the progress bar; null while the total is not known yet. */
export function progressFraction(s: Pick<BridgeHandoffStatus, 'bytesDone' | 'bytesTotal' | 'state'>): number | null {
  if (s.state === 'moved') return 1;
  if (s.bytesTotal <= 0) return null;
  return Math.min(1, s.bytesDone / s.bytesTotal);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}
