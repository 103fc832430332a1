// The bridge over Electron IPC: requests arrive through `ipcMain.handle` and go to the same
// dispatcher as browser mode's WebSocket; pushes go to the window. Only our own page may call.
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import type { BridgeDispatch } from './dispatch';
import type { PushListener } from './hub';
import { IPC_PUSH, IPC_REQUEST } from './channels';

export function serveBridgeOverIpc(win: BrowserWindow, dispatch: BridgeDispatch, onPush: (l: PushListener) => () => void, pageUrl: string): () => void {
  ipcMain.handle(IPC_REQUEST, (event: IpcMainInvokeEvent, envelope: unknown) => {
    // A frame that is not our page (it cannot exist with navigation blocked, but never trust it).
    if (event.sender !== win.webContents || event.senderFrame?.url.split('?')[0] !== pageUrl) {
      return { id: -1, ok: false, error: { code: 'forbidden', message: 'Only the Baton window may use the bridge.' } };
    }
    return dispatch(envelope);
  });
  const off = onPush((name, payload) => {
    if (!win.isDestroyed()) win.webContents.send(IPC_PUSH, { push: name, payload });
  });
  return () => {
    off();
    ipcMain.removeHandler(IPC_REQUEST);
  };
}
