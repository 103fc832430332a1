// What the hub needs from the SSH side: saved hosts with their status, the add/test/remove
// actions, prompts for a person, and a HostLink whenever a host's app-server becomes reachable.
// The implementation over electron/main/ssh/ is sshConnections.ts.
import type { ConnectionPrompt, ConnectionTestResult, HostView, PromptAnswer, SshAliasSuggestion } from '../../../shared/contracts/bridge';
import type { SavedHost } from '../../../shared/contracts/hosts';
import type { HostLink } from './hostLink';

export interface ConnectionsPort {
  list(): HostView[];
  suggestions(): Promise<SshAliasSuggestion[]>;
  add(name: string, target: string): Promise<HostView>;
  test(name: string): Promise<ConnectionTestResult>;
  connect(name: string): Promise<HostView>;
  disconnect(name: string): Promise<HostView>;
  remove(name: string): Promise<void>;
  answer(promptId: string, answer: PromptAnswer): boolean;
  onStatus(listener: (host: HostView) => void): void;
  onPrompt(listener: (p: { promptId: string; host: string; prompt: ConnectionPrompt }) => void): void;
  /** A host's app-server became reachable (link) or went away (null). */
  onLink(listener: (host: string, link: HostLink | null) => void): void;
  close(): Promise<void>;
}

export function offlineView(h: Pick<SavedHost, 'name' | 'target'>): HostView {
  return {
    id: h.name,
    label: h.name,
    kind: 'ssh',
    status: { state: 'disconnected' },
    online: false,
    target: h.target,
    latencyMs: null,
    serverVersion: null,
    protocolVersion: null,
    hostKeyFingerprint: null,
    noiseFingerprint: null,
  };
}
