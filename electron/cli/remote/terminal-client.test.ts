// The terminal client end to end: the real `baton` bundle as a child process against a real
// `baton serve` on loopback, reached over the secure channel (bearer token on the upgrade, then
// Noise), from a different BATON_HOME whose key the server admits. Covers list, send --wait,
// scripted resume with approvals, the interactive path in a pseudo-terminal (approve,
// interrupt, detach), fork, the Unix socket, and each bad input as a one-line error.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRpcServer } from '../../app-server/rpc/dispatcher';
import { secureChannelConnection } from '../../app-server/rpc/secureChannel';
import { startSecureServer, type SecureServer } from '../../app-server/transport/server';
import { buildBundle, newHome, runBaton, runBatonAsync, runInPty, startServe, until, type Home, type Run } from './test-support';

let tmp: string;
let bundle: string;
let server: Home;
let client: Home;
let serve: Awaited<ReturnType<typeof startServe>>;
let remote: string[];
let env: NodeJS.ProcessEnv;

const c = (args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): Run => runBaton(bundle, client.home, [...remote, ...args], { env: { ...env, ...opts.env }, ...(opts.input !== undefined ? { input: opts.input } : {}) });
const cJson = <T = any>(args: string[]): T => {
  const r = c([...args, '--json']);
  if (r.code !== 0) throw new Error(`baton ${args.join(' ')} exited ${r.code}: ${r.stdout}${r.stderr}`);
  return JSON.parse(r.stdout) as T;
};
const oneLine = (s: string) => s.trim().split('\n').length === 1;

beforeAll(async () => {
  tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'baton-remote-')));
  bundle = await buildBundle(path.join(tmp, 'baton.cjs'));
  server = newHome(path.join(tmp, 'server'));
  client = newHome(path.join(tmp, 'client'));
  serve = await startServe(bundle, server.home, ['--socket', path.join(tmp, 'server', 'baton.sock')]);
  remote = ['--remote', serve.info.secureUrl, '--remote-auth-token-env', 'BATON_TEST_TOKEN'];
  env = { BATON_TEST_TOKEN: serve.info.token };
  // Pair: the server admits the client's key, as after `baton identity` here and `authorize` there.
  const key = JSON.parse(runBaton(bundle, client.home, ['identity', '--json']).stdout).publicKey as string;
  expect(runBaton(bundle, server.home, ['identity', 'authorize', key, '--name', 'test-client']).code).toBe(0);
}, 60_000);

afterAll(async () => {
  await serve?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe('baton --remote over the secure channel', () => {
  it('publishes the secure channel in server.json (0600) and pins the server key on first contact', () => {
    expect(statSync(path.join(server.home, 'server.json')).mode & 0o777).toBe(0o600);
    expect(serve.info.secureUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/$/);
    const id = JSON.parse(runBaton(bundle, server.home, ['identity', '--json']).stdout);
    expect(id.fingerprint).toBe(serve.info.fingerprint);
    const r = c(['project', 'add', server.repo, '--name', 'app']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`its key ${serve.info.fingerprint} is now pinned`);
    // The project was saved on the server's home, not the client's.
    expect(runBaton(bundle, client.home, ['project', 'list', '--json']).stdout).not.toContain(server.repo);
    expect(runBaton(bundle, server.home, ['project', 'list', '--json']).stdout).toContain(server.repo);
  });

  it('creates, lists and sends with --wait', () => {
    const t = cJson(['thread', 'new', '--project', 'app', '--title', 'wait-test', '--approval', 'never']);
    const r = c(['thread', 'send', t.id, '$ echo remote-hello', '--wait']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('remote-hello');
    const list = cJson<Array<{ id: string; title: string }>>(['thread', 'list']);
    expect(list.map((x) => x.title)).toContain('wait-test');
    const shown = cJson(['thread', 'show', t.id]);
    expect(shown.items.some((i: { type: string; output?: string }) => i.type === 'command_execution' && i.output?.includes('remote-hello'))).toBe(true);
  });

  it('resumes with scripted stdin: lines are turns, approval prompts answered from the next line', () => {
    const t = cJson(['thread', 'new', '--project', 'app', '--title', 'scripted', '--approval', 'untrusted']);
    const r = c(['resume', t.id], { input: '$ echo first-ok\ny\n$ echo second-no\nn\n' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('first-ok');
    expect(r.stdout).toMatch(/: allow/);
    expect(r.stdout).toMatch(/: deny/);
    expect(r.stdout).toMatch(/echo second-no\s+\(declined\)/);
    expect(r.stdout).not.toContain('\x1b['); // …never into a pipe
    const items = cJson(['thread', 'show', t.id]).items as Array<{ type: string; decision?: string }>;
    expect(items.filter((i) => i.type === 'approval_decision').map((i) => i.decision)).toEqual(['allow', 'deny']);
  });

  it('resume --json prints one object per line with stable types; input ending at an approval detaches with exit 1', () => {
    const t = cJson(['thread', 'new', '--project', 'app', '--title', 'json-resume', '--approval', 'untrusted']);
    const r = c(['resume', t.id, '--json', '--tail', '0'], { input: '$ echo json-ok\na\n' });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ type: 'thread', thread: { id: t.id } });
    for (const l of lines) expect(['thread', 'item', 'approval', 'turn', 'detached']).toContain(l.type);
    expect(lines.some((l) => l.type === 'approval' && l.decision === 'always')).toBe(true);
    expect(lines.some((l) => l.type === 'item' && l.item.type === 'command_execution' && l.item.output.includes('json-ok'))).toBe(true);
    expect(lines.at(-1)).toMatchObject({ type: 'turn', outcome: 'completed' });

    const stuck = c(['resume', t.id, '--tail', '0'], { input: '$ echo needs-approval-again\n' });
    expect(stuck.code).toBe(1);
    expect(stuck.stderr).toMatch(/input ended while the turn waits for approval .* baton --remote .* approve /);
    const pending = cJson(['thread', 'show', t.id]).pendingApprovals as Array<{ requestId: string }>;
    expect(pending).toHaveLength(1);
    // The thread kept waiting on its host: answer it from another command.
    expect(c(['approve', t.id, pending[0]!.requestId, 'deny']).code).toBe(0);
  });

  it('resume --last picks the latest thread of the project holding --cd on the server, or of any with --all', () => {
    mkdirSync(path.join(server.repo, 'sub'), { recursive: true });
    const r = c(['resume', '--last', '--cd', path.join(server.repo, 'sub'), '--tail', '1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toContain('json-resume');
    const none = c(['resume', '--last', '--cd', '/nowhere']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/No saved project .* contains \/nowhere/);
    expect(c(['resume', '--last', '--all', '--tail', '0']).code).toBe(0);
    const noCd = c(['resume', '--last']);
    expect(noCd.code).toBe(2);
    expect(oneLine(noCd.stderr)).toBe(true);
  });

  it('in a terminal: answers an approval, Ctrl-C interrupts the running command, a second Ctrl-C detaches', () => {
    const t = cJson(['thread', 'new', '--project', 'app', '--title', 'pty', '--approval', 'untrusted']);
    const r = runInPty(bundle, client.home, [...remote, 'resume', t.id], [
      { expect: '› ', send: '$ echo pty-ok\r' },
      { expect: 'approve \\[y/n/a\\]', send: 'y\r' },
      { expect: 'pty-ok[\\s\\S]*turn completed', send: '$ sleep 30\r' },
      { expect: 'Run `sleep 30`', send: 'y\r' },
      { expect: 'sleep 30  \\(running', send: '\x03' },
      { expect: 'turn interrupted', send: '\x03' },
    ], { env: env as Record<string, string> });
    expect(r.ok, `stopped waiting for ${r.failedAt}; screen:\n${r.output}`).toBe(true);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain('interrupting the turn');
    expect(r.output).toContain('\x1b['); // colour on a terminal…
    expect(r.output).toContain(`Detached from thread ${t.id}`);
    const shown = cJson(['thread', 'show', t.id]);
    expect(shown.status).toBe('idle');
    expect(shown.items.some((i: { type: string }) => i.type === 'turn_interrupted')).toBe(true);
    expect(shown.items.find((i: { type: string; command?: string }) => i.command === 'sleep 30').status).toBe('interrupted');
  });

  it('NO_COLOR turns colour off in a terminal too', () => {
    const t = cJson(['thread', 'new', '--project', 'app', '--title', 'no-colour', '--approval', 'never']);
    const r = runInPty(bundle, client.home, [...remote, 'resume', t.id], [{ expect: '› ', send: '/detach\r' }], { env: { ...env, NO_COLOR: '1' } as Record<string, string> });
    expect(r.code, r.output).toBe(0);
    expect(r.output).not.toMatch(/\x1b\[\d+m/);
  });

  it('detaching leaves a running turn running on its host', async () => {
    const t = cJson(['thread', 'new', '--project', 'app', '--title', 'detach', '--approval', 'never']);
    const r = runInPty(bundle, client.home, [...remote, 'resume', t.id], [
      { expect: '› ', send: '$ sleep 2 && echo after-detach\r' },
      { expect: 'running', send: '/detach\r' },
    ], { env: env as Record<string, string> });
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain('Its turn keeps running on its host');
    await until(() => cJson(['thread', 'show', t.id]).status === 'idle', 'the detached turn to finish', 20_000);
    expect(JSON.stringify(cJson(['thread', 'show', t.id]).items)).toContain('after-detach');
  });

  it('forks at an item, and forks a running thread while the original keeps running', async () => {
    const t = cJson(['thread', 'new', '--project', 'app', '--title', 'source', '--approval', 'never']);
    expect(c(['thread', 'send', t.id, '$ echo part-one', '--wait']).code).toBe(0);
    const firstItems = cJson(['thread', 'show', t.id]).items as Array<{ id: string; type: string }>;
    expect(c(['thread', 'send', t.id, '$ echo part-two', '--wait']).code).toBe(0);
    const cut = firstItems.at(-1)!;
    const f = cJson(['fork', t.id, '--at', cut.id, '--title', 'forked']);
    expect(f).toMatchObject({ title: 'forked', forkedFrom: { threadId: t.id, itemId: cut.id } });
    const forkItems = JSON.stringify(cJson(['thread', 'show', f.id]).items);
    expect(forkItems).toContain('part-one');
    expect(forkItems).not.toContain('part-two');

    expect(c(['thread', 'send', t.id, '$ sleep 20']).code).toBe(0);
    await until(() => cJson(['thread', 'show', t.id]).status === 'running', 'the source turn to run');
    const human = c(['fork', t.id]);
    expect(human.code, human.stderr).toBe(0);
    const forkId = /into (\S+)/.exec(human.stdout)![1]!;
    const fork = cJson(['thread', 'show', forkId]);
    expect(fork.status).toBe('idle');
    const copied = fork.items.find((i: { command?: string }) => i.command === 'sleep 20');
    expect(copied?.status).toBe('interrupted');
    expect(fork.items.at(-1)).toMatchObject({ type: 'turn_interrupted', turnId: copied.turnId });
    expect(fork.items.at(-1).reason).toContain(t.id);
    expect(cJson(['thread', 'show', t.id]).status).toBe('running');
    expect(c(['thread', 'interrupt', t.id]).code).toBe(0);

    const last = cJson(['fork', '--last', '--cd', server.repo, '--title', 'fork-of-last']);
    expect(last.forkedFrom.threadId).toBe(t.id); // the interrupt made it the latest updated
    expect(last.settings.cwd).toBe(server.repo); // --cd is the fork's working directory too
    expect(cJson(['thread', 'show', t.id]).settings.cwd).toBeUndefined();
  });

  it('resume --add-dir grants write access to more directories on the thread\'s host', () => {
    const t = cJson(['thread', 'new', '--project', 'app', '--title', 'add-dir', '--approval', 'never']);
    const extra = path.join(tmp, 'server', 'extra');
    mkdirSync(extra);
    const r = c(['resume', t.id, '--add-dir', extra, '--add-dir', extra, '--tail', '0']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`may now also write to: ${extra}`);
    expect(cJson(['thread', 'show', t.id]).settings.permissions.writableRoots).toEqual([extra]);
    const missing = c(['resume', t.id, '--add-dir', '/no/such/dir']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/\/no\/such\/dir is not a directory on host/);
    const relative = c(['resume', t.id, '--add-dir', 'rel/dir']);
    expect(relative.code).toBe(2);
    expect(relative.stderr).toContain('is not an absolute path');
  });

  it('resume --cd sets where the agent\'s commands start, a directory on the thread\'s host', () => {
    const t = cJson(['thread', 'new', '--project', 'app', '--title', 'cd-test', '--approval', 'never']);
    const sub = path.join(server.repo, 'sub');
    mkdirSync(sub, { recursive: true });
    const r = c(['resume', t.id, '--cd', sub, '--tail', '0'], { input: '$ pwd\n' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`now runs its commands in ${sub}`);
    const shown = cJson(['thread', 'show', t.id]);
    expect(shown.settings.cwd).toBe(sub);
    const cmd = shown.items.find((i: { type: string }) => i.type === 'command_execution');
    expect(cmd).toMatchObject({ cwd: sub });
    expect(cmd.output.trim()).toBe(sub);
    const missing = c(['resume', t.id, '--cd', '/no/such/dir']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/\/no\/such\/dir is not a directory on host/);
  });

  it('archives and unarchives', () => {
    const t = cJson(['thread', 'new', '--project', 'app', '--title', 'to-archive']);
    expect(cJson(['thread', 'archive', t.id]).archived).toBe(true);
    expect(cJson<Array<{ id: string }>>(['thread', 'list']).map((x) => x.id)).not.toContain(t.id);
    expect(cJson(['thread', 'archive', t.id, '--undo']).archived).toBe(false);
  });

  it('works over wss:// (TLS in front of the secure channel), the token allowed there', async () => {
    // A TLS terminator with a throwaway certificate that only this call trusts (NODE_EXTRA_CA_CERTS).
    const dir = path.join(tmp, 'tls');
    mkdirSync(dir);
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'], { stdio: 'pipe' });
    const proxy = tls.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (front) => {
      const back = net.connect(serve.info.securePort, '127.0.0.1');
      front.pipe(back).pipe(front);
      front.on('error', () => back.destroy());
      back.on('error', () => front.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (proxy.address() as net.AddressInfo).port;
      const r = await runBatonAsync(bundle, client.home, ['--remote', `wss://localhost:${port}`, '--remote-auth-token-env', 'BATON_TEST_TOKEN', 'thread', 'list', '--json'], { env: { ...env, NODE_EXTRA_CA_CERTS: cert } });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).map((x: { title: string }) => x.title)).toContain('wait-test');
      // Without trusting the certificate, TLS refuses before any token is sent.
      const untrusted = await runBatonAsync(bundle, client.home, ['--remote', `wss://localhost:${port}`, '--remote-auth-token-env', 'BATON_TEST_TOKEN', 'thread', 'list'], { env });
      expect(untrusted.code).toBe(1);
      expect(untrusted.stderr).toMatch(/certificate/);
    } finally {
      await new Promise<void>((r) => proxy.close(() => r()));
    }
  });

  it('works over the Unix socket', () => {
    const r = runBaton(bundle, client.home, ['--remote', `unix://${serve.info.socketPath}`, 'thread', 'list']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('wait-test');
    expect(statSync(serve.info.socketPath!).mode & 0o777).toBe(0o600);
  });
});

describe('baton help', () => {
  it('documents --json fields and exit codes for the terminal-client commands', () => {
    for (const cmd of [['resume'], ['fork'], ['identity'], ['serve'], ['thread', 'archive'], ['thread', 'list'], ['thread', 'send'], ['approve']]) {
      const r = runBaton(bundle, client.home, [...cmd, '--help']);
      expect(r.code, cmd.join(' ')).toBe(0);
      expect(r.stdout, cmd.join(' ')).toContain('Exit codes:');
      expect(r.stdout, cmd.join(' ')).toMatch(/--json/);
    }
    const top = runBaton(bundle, client.home, ['help']);
    for (const word of ['resume', 'fork', 'identity', 'serve', 'thread', 'approve', '--remote', '--remote-auth-token-env']) expect(top.stdout).toContain(word);
  });

  it('answers handoff in one line while it is not built in', () => {
    const r = runBaton(bundle, client.home, ['handoff', 'x', '--to', 'y']);
    if (/not available in this build/.test(r.stderr)) expect(r.code).toBe(1);
    else expect(r.stderr).not.toMatch(/unknown command/);
  });
});

describe('bad input: one line saying what to do', () => {
  const check = (r: Run, code: number, pattern: RegExp) => {
    expect(r.code, r.stderr).toBe(code);
    // The first-contact notice (a key newly pinned) is its own line before the error.
    const error = r.stderr.split('\n').filter((l) => !/first contact with/.test(l)).join('\n');
    expect(oneLine(error), r.stderr).toBe(true);
    expect(error).toMatch(pattern);
  };

  it('no token, wrong token, token over plain ws:// to another machine', () => {
    check(runBaton(bundle, client.home, ['--remote', serve.info.secureUrl, 'thread', 'list']), 2, /No bearer token .* --remote-auth-token-env/);
    check(c(['thread', 'list'], { env: { BATON_TEST_TOKEN: 'not-the-token-0123456789' } }), 1, /refused the bearer token \(401\)/);
    check(runBaton(bundle, client.home, ['--remote', 'ws://192.0.2.10:7700', '--remote-auth-token-env', 'BATON_TEST_TOKEN', 'thread', 'list'], { env }), 3, /Refusing to send the token .* plain ws:\/\//);
  });

  it('a client key the server does not admit', () => {
    const stranger = newHome(path.join(tmp, 'stranger'));
    const r = runBaton(bundle, stranger.home, [...remote, 'thread', 'list'], { env });
    check(r, 3, /does not admit this client's key\. On the server, run: baton identity authorize \S+=/);
  });

  it('server not running, unknown saved host, unknown thread, bad --remote', async () => {
    check(runBaton(bundle, client.home, ['--remote', 'ws://127.0.0.1:1', '--remote-auth-token-env', 'BATON_TEST_TOKEN', 'thread', 'list'], { env }), 1, /No Baton server answers at ws:\/\/127\.0\.0\.1:1\/\. Start it/);
    check(runBaton(bundle, client.home, ['--remote', 'no-such-host', 'thread', 'list']), 1, /no saved host named "no-such-host"/);
    check(c(['resume', 'no-such-thread']), 1, /no-such-thread/);
    check(runBaton(bundle, client.home, ['--remote', 'http://x:1', 'thread', 'list']), 2, /only ws:\/\/, wss:\/\/ and unix:\/\//);
    check(runBaton(bundle, client.home, ['--remote', 'unix:///nonexistent/baton.sock', 'thread', 'list']), 1, /No Baton server listens on the Unix socket/);
  });

  it('version skew: a server speaking another protocol', async () => {
    const skewHome = newHome(path.join(tmp, 'skew'));
    const clientKey = Buffer.from(JSON.parse(runBaton(bundle, client.home, ['identity', '--json']).stdout).publicKey, 'base64');
    const rpc = createRpcServer({
      initialize: () => ({ serverVersion: '9.9.9', protocolVersion: 999, hostId: 'old', capabilities: { providers: [], sandbox: false, maxMessageBytes: 1024 } }),
    } as never);
    const old: SecureServer = await startSecureServer({ home: skewHome.home, token: 'skew-token-0123456789', authorizeClient: (k) => k.equals(clientKey), onChannel: (ch) => rpc.attach(secureChannelConnection(ch)), warn: () => undefined });
    try {
      // Not spawnSync: this process serves the other end.
      const r = await runBatonAsync(bundle, client.home, ['--remote', old.url, '--remote-auth-token-env', 'T', 'thread', 'list'], { env: { T: 'skew-token-0123456789' } });
      check(r, 1, /speaks protocol 999; this baton .* speaks 1\. Install the same Baton version/);
    } finally {
      await old.close();
    }
  });
});
