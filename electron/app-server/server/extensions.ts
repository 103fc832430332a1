// Parts of the app-server that live in other folders (handoff, transport…) plug in here: each
// extension gets the assembled server and registers its RPC methods (`app.rpc.register`),
// notifications, and listeners. One line per extension; `baton serve`, the CLI's embedded
// server and the desktop app all start the same list.
import { threadArchiveExtension } from '../archive/extension';
import { handoffExtension } from '../handoff/extension';
import type { AppServer, AppServerOptions } from './appServer';

/** `opts` are the options startAppServer was given (an extension's own settings live there, e.g. `handoff`). */
export type AppServerExtension = (app: AppServer, opts: AppServerOptions) => void | Promise<void>;

export const appServerExtensions: AppServerExtension[] = [threadArchiveExtension, handoffExtension];
