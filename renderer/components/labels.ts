// Words the UI shows for states, in one place.
import { LOCAL_HOST_ID, LOCAL_HOST_LABEL, type HostView } from '../../shared/contracts/bridge';
import type { ThreadStatus } from '../../shared/contracts/thread';

export function hostLabel(host: string, hosts: readonly HostView[] = []): string {
  if (host === LOCAL_HOST_ID) return LOCAL_HOST_LABEL;
  return hosts.find((h) => h.id === host)?.label ?? host;
}

export const statusLabels: Record<ThreadStatus, string> = {
  idle: 'idle',
  running: 'running',
  'waiting-approval': 'waiting for approval',
  'handing-off': 'handing off',
  moved: 'moved',
};

export function hostStatusText(h: HostView): string {
  switch (h.status.state) {
    case 'connected':
      return 'connected';
    case 'connecting':
      return h.status.attempt > 1 ? `connecting (attempt ${h.status.attempt})` : 'connecting';
    case 'disconnected':
      return 'not connected';
    case 'error':
      return `error: ${h.status.error.message}`;
  }
}
