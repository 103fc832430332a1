// One host's app-server, assembled: storage, projects, the thread service and the JSON-RPC
// handlers over them. The same object runs embedded (the desktop app's main process, a CLI
// call with no server running) and headless (`baton serve`). Transports attach connections
// with `attach`; nothing here knows whether a connection is a socket, a pipe or a channel.
import { PROTOCOL_VERSION, MAX_MESSAGE_BYTES } from '../../../shared/contracts/rpc';
import type { AgentSettings } from '../../../shared/contracts/thread';
import { HostToolRegistry } from '../agent/hostTools';
import { probeSandbox } from '../agent/sandbox';
import type { Agent } from '../agent/types';
import type { HandoffWiring } from '../handoff/extension';
import { ProjectStore } from '../projects/projectStore';
import { createRpcServer, type Handlers, type MessageConnection, type RpcServer } from '../rpc/dispatcher';
import { notificationsFor } from '../rpc/notify';
import { homePaths } from '../storage/home';
import { ThreadStore } from '../storage/threadStore';
import { ThreadService } from '../threads/service';
import { appServerExtensions, type AppServerExtension } from './extensions';
import { SERVER_VERSION } from './version';

export interface AppServerOptions {
  home: string;
  /** How this host names itself in threads it owns (default `local`). */
  hostId?: string;
  createAgent: (settings: AgentSettings) => Agent;
  /** Whether `workspace-write` is enforced here (reported in `initialize`); default: the agent runtime's probe. */
  sandboxEnforced?: boolean;
  onError?: (e: unknown) => void;
  /** Default: every extension in ./extensions.ts. */
  extensions?: AppServerExtension[];
  /** The hosts this host's handoff coordinator can reach (default: none; a headless server only answers `handoff/peer`). */
  handoff?: HandoffWiring;
}

export interface AppServer {
  readonly home: string;
  readonly hostId: string;
  readonly threads: ThreadService;
  readonly projects: ProjectStore;
  /** The thread logs themselves, for extensions that replicate them (handoff, archives). */
  readonly store: ThreadStore;
  readonly rpc: RpcServer;
  /** Tools extensions lend every thread's agent (the handoff extension adds handoff_thread/handoff_status). */
  readonly hostTools: HostToolRegistry;
  attach(connection: MessageConnection): void;
  /** Turns left running by a crashed process, closed as interrupted at start. */
  readonly recovered: string[];
  /** Stops running turns (recorded as interrupted), closes connections and the store. */
  close(): Promise<void>;
}

export async function startAppServer(opts: AppServerOptions): Promise<AppServer> {
  const paths = homePaths(opts.home);
  const hostId = opts.hostId ?? 'local';
  const store = new ThreadStore(opts.home);
  const projects = new ProjectStore(paths.projects);
  const hostTools = new HostToolRegistry();
  const threads = new ThreadService({ store, projects, home: opts.home, hostId, createAgent: opts.createAgent, hostTools, onError: opts.onError });

  const handlers: Handlers = {
    initialize: () => ({
      serverVersion: SERVER_VERSION,
      protocolVersion: PROTOCOL_VERSION,
      hostId,
      capabilities: { providers: ['offline', 'openai-compatible'], sandbox: opts.sandboxEnforced ?? probeSandbox().enforced, maxMessageBytes: MAX_MESSAGE_BYTES },
    }),
    'project/add': async (p) => ({ project: await projects.add(p.path, p.name) }),
    'project/list': () => ({ projects: projects.list() }),
    'project/remove': (p) => ({ removed: projects.remove(p.project) }),
    'thread/start': async (p) => ({ thread: await threads.start(p) }),
    'thread/list': (p) => threads.listWithProblems(p),
    'thread/read': (p) => threads.read(p),
    'thread/fork': async (p) => ({ thread: await threads.fork(p) }),
    'thread/configure': async (p) => ({ thread: await threads.configure(p) }),
    'thread/archive': async (p) => ({ thread: await threads.archive(p) }),
    'turn/start': (p) => threads.startTurn(p),
    'turn/interrupt': (p) => threads.interrupt(p),
    'approval/respond': (p) => threads.respondApproval(p),
  };
  const rpc = createRpcServer(handlers, { onError: opts.onError });
  threads.onEvent((threadId, event, thread) => {
    for (const n of notificationsFor(threadId, event, thread)) rpc.notify(n.name, n.params as never);
  });
  // Before any connection: a client must never see a turn "running" that nothing runs.
  const recovered = await threads.recoverInterruptedTurns();

  let closing: Promise<void> | null = null;
  const app: AppServer = {
    home: opts.home,
    hostId,
    threads,
    projects,
    store,
    rpc,
    hostTools,
    recovered,
    attach: (c) => rpc.attach(c),
    close: () =>
      (closing ??= (async () => {
        await threads.close();
        rpc.closeAll();
      })()),
  };
  for (const extend of opts.extensions ?? appServerExtensions) await extend(app, opts);
  return app;
}
