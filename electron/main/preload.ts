// The preload of the sandboxed window: it exposes exactly one object, the bridge, and nothing
// of Node or Electron. Bundled to one file (dist/preload.cjs) since a sandboxed preload can
// only require 'electron'.
import { contextBridge, ipcRenderer } from 'electron';
import { IPC_PUSH, IPC_REQUEST } from './bridge/channels';

contextBridge.exposeInMainWorld('batonBridge', {
  request: (envelope: unknown) => ipcRenderer.invoke(IPC_REQUEST, envelope),
  onPush: (listener: (envelope: unknown) => void) => {
    ipcRenderer.on(IPC_PUSH, (_event, envelope: unknown) => listener(envelope));
  },
});
