// Starting the app-server on a host so that it outlives the SSH session: `setsid nohup` puts it
// in its own session and process group (no SIGHUP when the laptop goes away), its stdio goes to
// a log file (so the exec channel can close), and a mkdir lock makes two desktops starting at
// once end up with one server per remote user. The server announces itself in
// ~/.baton/server.json (0600), which we read back over SFTP.
import type { Client } from 'ssh2';
import { ServerInfo } from '../../../../shared/contracts/hosts.js';
import { SshError } from '../errors.js';
import { runScript } from '../exec.js';
import { openSftp, remoteHome } from './install.js';
import { shQuote } from './shell.js';

export const defaultServeArgs = ['serve', '--listen', '127.0.0.1:0'];

/** sh functions shared by the start and stop scripts. */
const prelude = [
  'BH="$HOME/.baton"',
  'INFO="$BH/server.json"',
  'LOCK="$BH/server.lock.d"',
  'LOG="$BH/server.log"',
  'umask 077',
  'mkdir -p "$BH" || exit 2',
  'info_pid() { sed -n \'s/.*"pid"[^0-9]*\\([0-9][0-9]*\\).*/\\1/p\' "$INFO" 2>/dev/null | head -n 1; }',
  'info_version() { sed -n \'s/.*"version"[^"]*"\\([^"]*\\)".*/\\1/p\' "$INFO" 2>/dev/null | head -n 1; }',
  // A killed server whose parent is gone can linger as a zombie until init reaps it; kill -0
  // still succeeds on it, so its state is checked too.
  'alive() { pid=$(info_pid); [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && ! ps -o stat= -p "$pid" 2>/dev/null | grep -q Z; }',
  // mkdir is atomic on every POSIX file system; a lock older than a minute is a start that died.
  'lock() {',
  '  i=0',
  '  while ! mkdir "$LOCK" 2>/dev/null; do',
  '    i=$((i+1)); [ $i -gt 300 ] && { echo BATON_LOCK_TIMEOUT; exit 3; }',
  '    [ -n "$(find "$LOCK" -maxdepth 0 -mmin +1 2>/dev/null)" ] && rmdir "$LOCK" 2>/dev/null',
  '    sleep 0.1',
  '  done',
  '  trap \'rmdir "$LOCK" 2>/dev/null\' EXIT',
  '}',
  'stop_pid() {',
  '  kill -TERM "$1" 2>/dev/null || return 0',
  '  i=0; while kill -0 "$1" 2>/dev/null && [ $i -lt 100 ]; do i=$((i+1)); sleep 0.1; done',
  '  kill -KILL "$1" 2>/dev/null; return 0',
  '}',
].join('\n');

function startScript(a: { node: string; serverPath: string; version: string; label: string; serveArgs: string[] }): string {
  return [
    prelude,
    `NODE=${shQuote(a.node)}`,
    `SERVER=${shQuote(a.serverPath)}`,
    `WANT=${shQuote(a.version)}`,
    'lock',
    'if alive; then',
    '  if [ "$(info_version)" = "$WANT" ]; then echo "BATON_RUNNING $pid"; exit 0; fi',
    // A server of another version would talk a skewed protocol: replace it with ours.
    '  echo "BATON_REPLACING $pid $(info_version)"; stop_pid "$pid"',
    'fi',
    'rm -f "$INFO"',
    'cd "$HOME" || exit 2',
    'S=; command -v setsid >/dev/null 2>&1 && S=setsid',
    // The server names itself as this desktop names the host: threads it owns carry that name,
    // so a handoff back from it and the desktop's own records agree on where a thread is.
    `BATON_HOST_ID=${shQuote(a.label)} BATON_HOME="$BH" $S nohup "$NODE" "$SERVER" ${a.serveArgs.map(shQuote).join(' ')} </dev/null >>"$LOG" 2>&1 &`,
    'child=$!',
    'i=0',
    'while [ $i -lt 300 ]; do',
    '  if alive; then echo "BATON_STARTED $pid"; exit 0; fi',
    '  if ! kill -0 "$child" 2>/dev/null; then echo BATON_EXITED; tail -n 20 "$LOG"; exit 4; fi',
    '  i=$((i+1)); sleep 0.1',
    'done',
    'echo BATON_START_TIMEOUT; tail -n 20 "$LOG"; stop_pid "$child"; exit 5',
    '',
  ].join('\n');
}

const stopScript = [prelude, 'lock', 'if alive; then stop_pid "$pid"; rm -f "$INFO"; echo "BATON_STOPPED $pid"; else echo BATON_NOT_RUNNING; fi', ''].join('\n');

export interface StartResult {
  info: ServerInfo;
  /** False when a running server of the right version was reused. */
  started: boolean;
  /** The pid of a server of another version that was stopped first. */
  replacedPid?: number;
}

export async function readServerInfo(client: Client, label: string): Promise<ServerInfo> {
  const sftp = await openSftp(client);
  try {
    const home = await remoteHome(sftp);
    const file = `${home}/.baton/server.json`;
    const text = await new Promise<string>((resolve, reject) => sftp.readFile(file, 'utf8', (err, data) => (err ? reject(err) : resolve(String(data)))));
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new SshError('server-info-invalid', `${label}:${file} is not valid JSON (${(e as Error).message}).`, 'Restart the server with `baton host stop` and connect again.');
    }
    const parsed = ServerInfo.safeParse(json);
    if (!parsed.success) {
      throw new SshError('server-info-invalid', `${label}:${file} is not a valid server announcement: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}.`, 'Restart the server with `baton host stop` and connect again.');
    }
    return parsed.data;
  } catch (e) {
    if (e instanceof SshError) throw e;
    throw new SshError('server-info-invalid', `Could not read ~/.baton/server.json on ${label}: ${(e as Error).message}.`, 'The server may have just exited; connect again.');
  } finally {
    sftp.end();
  }
}

export async function ensureServerRunning(client: Client, args: { node: string; serverPath: string; version: string; label: string; serveArgs?: string[] }): Promise<StartResult> {
  const r = await runScript(client, startScript({ ...args, serveArgs: args.serveArgs ?? defaultServeArgs }), { timeoutMs: 60_000 });
  const running = /^BATON_RUNNING (\d+)$/m.exec(r.stdout);
  const started = /^BATON_STARTED (\d+)$/m.exec(r.stdout);
  const replaced = /^BATON_REPLACING (\d+)/m.exec(r.stdout);
  if (!running && !started) {
    const why = /BATON_(EXITED|START_TIMEOUT|LOCK_TIMEOUT)/.exec(r.stdout)?.[1];
    const tail = r.stdout.split('\n').filter((l) => l && !l.startsWith('BATON_')).slice(-10).join('\n');
    const what = why === 'EXITED' ? 'exited right after starting' : why === 'LOCK_TIMEOUT' ? 'could not be started: another start holds ~/.baton/server.lock.d' : 'did not announce itself in ~/.baton/server.json in time';
    throw new SshError('server-start-failed', `The Baton server on ${args.label} ${what}.${tail ? `\nIts log (~/.baton/server.log) ends with:\n${tail}` : ''}${r.stderr.trim() ? `\n${r.stderr.trim()}` : ''}`,
      'Look at ~/.baton/server.log on the host; `baton host stop` and connecting again starts it afresh.');
  }
  const info = await readServerInfo(client, args.label);
  const pid = Number((running ?? started)![1]);
  if (info.pid !== pid) throw new SshError('server-info-invalid', `server.json on ${args.label} names pid ${info.pid}, but the running server is pid ${pid}.`, 'Connect again; if it repeats, `baton host stop` the server.');
  return { info, started: !!started, ...(replaced ? { replacedPid: Number(replaced[1]) } : {}) };
}

/** Stops the user's server on the host (TERM, then KILL after 10 s). Returns its pid, or null if none ran. */
export async function stopRemoteServer(client: Client): Promise<number | null> {
  const r = await runScript(client, stopScript, { timeoutMs: 30_000 });
  const m = /^BATON_STOPPED (\d+)$/m.exec(r.stdout);
  return m ? Number(m[1]) : null;
}
