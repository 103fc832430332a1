// Electron IPC channel names, shared by the main process and the preload (bundled into both).
export const IPC_REQUEST = 'baton:bridge:request';
export const IPC_PUSH = 'baton:bridge:push';
