// A destination app-server in its own process, for tests that kill it for real: it serves the
// peer protocol on a loopback TCP port (length-prefixed FramedPeerLink frames) and, when told
// by CRASH_AT=<message type>[#<n>]:<before|after> (crashAt.test-support.ts), sends itself
// SIGKILL at that point of that message — before handling it, or after handling it but before
// the answer leaves. CHUNK_BYTES sets its part chunk size (for the way back). Run with
// `node --import tsx destinationProcess.test-support.ts`; it prints `port <n>` when ready.
import net from 'node:net';
import { createAgent } from '../agent';
import { ProjectStore } from '../projects/projectStore';
import { homePaths } from '../storage/home';
import { ThreadStore } from '../storage/threadStore';
import { ThreadService } from '../threads/service';
import { crashAround } from './crashAt.test-support';
import type { PeerHandler } from './peer';
import { HandoffService } from './service';
import { framedOverSocket } from './tcpLink.test-support';

const home = process.env.BATON_HOME!;
const hostId = process.env.HOST_ID!;
const crash = crashAround(process.env.CRASH_AT);
const chunkBytes = process.env.CHUNK_BYTES ? Number(process.env.CHUNK_BYTES) : undefined;

const store = new ThreadStore(home);
const projects = new ProjectStore(homePaths(home).projects);
const threads = new ThreadService({ store, projects, home, hostId, createAgent: (s) => createAgent(s) });
const handoff = new HandoffService({ home, hostId, serverVersion: '0.1.0-test', store, threads, projects, peers: () => null, hosts: () => [hostId], chunkBytes });
void handoff.recover();

const handler: PeerHandler = (req, payload) => crash(req.type, () => handoff.handle(req, payload));

const server = net.createServer((sock) => {
  framedOverSocket(sock, 'source', handler);
  sock.on('error', () => undefined);
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`port ${(server.address() as net.AddressInfo).port}\n`);
});
process.on('SIGTERM', () => {
  void threads.close().then(() => process.exit(0));
});
