// Registers thread/export and thread/import on the app-server (see server/extensions.ts).
import { threadArchiveMethods } from '../../../shared/contracts/threadArchive';
import type { AppServerExtension } from '../server/extensions';
import { exportThread, importThread } from './threadArchive';

export const threadArchiveExtension: AppServerExtension = (app) => {
  app.rpc.register(threadArchiveMethods, {
    'thread/export': (p) => exportThread(app, p),
    'thread/import': (p) => importThread(app, p),
  });
};
