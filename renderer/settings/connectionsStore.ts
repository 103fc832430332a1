// Settings > Connections: saved SSH hosts, alias suggestions from ~/.ssh/config, test results,
// and the questions the SSH layer asks while connecting (unknown host key, passphrase,
// keyboard-interactive), answered one at a time in the order they came.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ConnectionPrompt, ConnectionTestResult, HostView, PromptAnswer, SshAliasSuggestion } from '../../shared/contracts/bridge';
import { errorText, type BridgeClient } from '../bridge/client';

export interface PendingPrompt {
  promptId: string;
  host: string;
  prompt: ConnectionPrompt;
}

export interface ConnectionsState {
  hosts: HostView[];
  suggestions: SshAliasSuggestion[];
  tests: Record<string, { running: boolean; result: ConnectionTestResult | null }>;
  prompts: PendingPrompt[];
  error: { message: string; hint?: string } | null;

  load(): Promise<void>;
  add(name: string, target: string): Promise<boolean>;
  test(name: string): Promise<void>;
  remove(name: string): Promise<void>;
  connect(name: string): Promise<void>;
  disconnect(name: string): Promise<void>;
  answer(promptId: string, answer: PromptAnswer): Promise<void>;
}

export type ConnectionsStore = StoreApi<ConnectionsState>;

export function createConnectionsStore(client: BridgeClient, onHostsChanged: () => void): ConnectionsStore {
  return createStore<ConnectionsState>()((set, get) => {
    client.on('connections/prompt', (p) => set({ prompts: [...get().prompts, p] }));
    client.on('host/status', ({ host }) => {
      if (host.kind !== 'ssh') return;
      const hosts = get().hosts;
      set({ hosts: hosts.some((h) => h.id === host.id) ? hosts.map((h) => (h.id === host.id ? host : h)) : [...hosts, host] });
    });

    return {
      hosts: [],
      suggestions: [],
      tests: {},
      prompts: [],
      error: null,

      async load() {
        try {
          const [{ hosts }, { suggestions }] = await Promise.all([client.call('connections/list', {}), client.call('connections/suggestions', {})]);
          set({ hosts, suggestions });
        } catch (e) {
          set({ error: errorText(e) });
        }
      },
      async add(name, target) {
        try {
          await client.call('connections/add', { name, target });
          set({ error: null });
          await get().load();
          onHostsChanged();
          return true;
        } catch (e) {
          set({ error: errorText(e) });
          return false;
        }
      },
      async test(name) {
        set({ tests: { ...get().tests, [name]: { running: true, result: null } } });
        try {
          const result = await client.call('connections/test', { name });
          set({ tests: { ...get().tests, [name]: { running: false, result } } });
        } catch (e) {
          const err = errorText(e);
          set({ tests: { ...get().tests, [name]: { running: false, result: { ok: false, latencyMs: null, serverVersion: null, hostKeyFingerprint: null, error: { code: 'failed', ...err } } } } });
        }
      },
      async remove(name) {
        try {
          await client.call('connections/remove', { name });
          await get().load();
          onHostsChanged();
        } catch (e) {
          set({ error: errorText(e) });
        }
      },
      async connect(name) {
        try {
          set({ error: null });
          await client.call('connections/connect', { name });
          onHostsChanged();
        } catch (e) {
          set({ error: errorText(e) });
        }
      },
      async disconnect(name) {
        try {
          await client.call('connections/disconnect', { name });
          onHostsChanged();
        } catch (e) {
          set({ error: errorText(e) });
        }
      },
      async answer(promptId, answer) {
        set({ prompts: get().prompts.filter((p) => p.promptId !== promptId) });
        try {
          await client.call('connections/answer', { promptId, answer });
        } catch (e) {
          set({ error: errorText(e) });
        }
      },
    };
  });
}
