// A source app-server in its own process, for tests that kill it for real. MODE=handoff hands
// THREAD off to host "gpu" (reached over loopback TCP at DEST_PORT, length-prefixed
// FramedPeerLink frames) and, with CRASH_AT=<message type>[#<n>]:<before|after>
// (crashAt.test-support.ts), sends itself SIGKILL just before sending that message or just
// after its answer arrived; CHUNK_BYTES sets its part chunk size. MODE=recover starts the host
// again, runs recovery once, prints the outcomes as JSON and exits.
import net from 'node:net';
import { createAgent } from '../agent';
import { ProjectStore } from '../projects/projectStore';
import { homePaths } from '../storage/home';
import { ThreadStore } from '../storage/threadStore';
import { ThreadService } from '../threads/service';
import { crashAround } from './crashAt.test-support';
import type { PeerLink } from './peer';
import { HandoffService } from './service';
import { framedOverSocket } from './tcpLink.test-support';

const home = process.env.BATON_HOME!;
const crash = crashAround(process.env.CRASH_AT);
const chunkBytes = process.env.CHUNK_BYTES ? Number(process.env.CHUNK_BYTES) : undefined;

function connect(port: number): PeerLink {
  const sock = net.connect(port, '127.0.0.1');
  const link = framedOverSocket(sock, 'gpu', null);
  sock.on('close', () => link.close());
  sock.on('error', () => link.close());
  return {
    send: (req, payload) => crash(req.type, () => link.send(req, payload)),
  };
}

const link = connect(Number(process.env.DEST_PORT));
const store = new ThreadStore(home);
const projects = new ProjectStore(homePaths(home).projects);
const threads = new ThreadService({ store, projects, home, hostId: 'local', createAgent: (s) => createAgent(s) });
const handoff = new HandoffService({ home, hostId: 'local', serverVersion: '0.1.0-test', store, threads, projects, peers: (h) => (h === 'gpu' ? link : null), hosts: () => ['local', 'gpu'], retries: 0, chunkBytes });

const out =
  process.env.MODE === 'recover' ? await handoff.recover() : await handoff.run({ thread: process.env.THREAD!, to: 'gpu' }).catch((e: Error) => ({ refused: e.message }));
process.stdout.write(JSON.stringify(out) + '\n');
handoff.journal.dispose();
await threads.close();
process.exit(0);
