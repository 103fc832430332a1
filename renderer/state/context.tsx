// The stores, created once per window and handed down by context; hooks select from them.
import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { BridgeClient } from '../bridge/client';
import { createHandoffStore, type HandoffState, type HandoffStore } from '../handoff/store';
import { createConnectionsStore, type ConnectionsState, type ConnectionsStore } from '../settings/connectionsStore';
import { createAppStore, type AppState, type AppStore } from './app';

export interface Stores {
  app: AppStore;
  handoff: HandoffStore;
  connections: ConnectionsStore;
}

export function createStores(client: BridgeClient): Stores {
  const app = createAppStore(client);
  const handoff = createHandoffStore(client, (threadId, to) => {
    // The thread now lives on `to`: follow it there.
    void app.getState().refreshThreads().then(() => app.getState().openThread(to, threadId));
  });
  const connections = createConnectionsStore(client, () => void app.getState().refreshHosts());
  return { app, handoff, connections };
}

const Ctx = createContext<Stores | null>(null);

export function StoresProvider({ stores, children }: { stores: Stores; children: ReactNode }) {
  return <Ctx.Provider value={stores}>{children}</Ctx.Provider>;
}

function useStores(): Stores {
  const s = useContext(Ctx);
  if (!s) throw new Error('StoresProvider is missing');
  return s;
}

export const useApp = <T,>(selector: (s: AppState) => T): T => useStore(useStores().app, selector);
export const useHandoff = <T,>(selector: (s: HandoffState) => T): T => useStore(useStores().handoff, selector);
export const useConnections = <T,>(selector: (s: ConnectionsState) => T): T => useStore(useStores().connections, selector);
