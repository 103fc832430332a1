// Key pinning both ways, over the already-authenticated SSH connection: the desktop's Noise
// public key goes into the host's ~/.baton/authorized_clients (the format of
// electron/app-server/transport/key-stores.ts), and the server's key comes back in server.json.
import type { Client } from 'ssh2';
import { SshError } from '../errors.js';
import { runScript } from '../exec.js';
import { shQuote } from './shell.js';

/** Adds `x25519 <key> <comment>` to the host's authorized_clients unless it is there. Returns true if added. */
export async function authorizeClientOnHost(client: Client, publicKey: Buffer, comment: string, label: string): Promise<boolean> {
  if (publicKey.length !== 32) throw new SshError('config', 'A Noise client key is 32 bytes.');
  const b64 = publicKey.toString('base64');
  const safeComment = comment.replace(/[^A-Za-z0-9@._-]/g, '_').slice(0, 100);
  const script = [
    'umask 077',
    'BH="$HOME/.baton"; F="$BH/authorized_clients"',
    'mkdir -p "$BH" || exit 2',
    `K=${shQuote(b64)}`,
    'if [ -f "$F" ] && awk -v k="$K" \'$1=="x25519" && $2==k {found=1} END {exit !found}\' "$F"; then echo BATON_PRESENT; exit 0; fi',
    `printf 'x25519 %s %s\\n' "$K" ${shQuote(safeComment)} >> "$F" && chmod 600 "$F" && echo BATON_ADDED`,
    '',
  ].join('\n');
  const r = await runScript(client, script);
  if (r.stdout.includes('BATON_ADDED')) return true;
  if (r.stdout.includes('BATON_PRESENT')) return false;
  throw new SshError('server-start-failed', `Could not write ~/.baton/authorized_clients on ${label}: ${r.stderr.trim() || `exit ${r.code}`}.`, 'Check the permissions of ~/.baton on the host.');
}

/** The server's Noise public key from server.json, whichever field name the transport uses. */
export function serverNoiseKey(info: Record<string, unknown>): Buffer | undefined {
  for (const field of ['noisePublicKey', 'publicKey', 'serverPublicKey']) {
    const v = info[field];
    if (typeof v !== 'string') continue;
    const key = Buffer.from(v, /^[0-9a-f]{64}$/i.test(v) ? 'hex' : 'base64');
    if (key.length === 32) return key;
  }
  return undefined;
}

const publicHalfJs = 'try{const j=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));if(j.type==="x25519"&&typeof j.publicKey==="string")process.stdout.write("BATON_PUB "+j.publicKey+"\\n")}catch(e){}';

/**
 * The server's Noise public key: from server.json when the server publishes it, else the public
 * half of the host's ~/.baton/identity.json, extracted on the host by its node — the secret
 * half never leaves it. Read over the authenticated SSH connection, this is the pin.
 */
export async function readServerNoiseKey(client: Client, node: string, info: Record<string, unknown>): Promise<Buffer | undefined> {
  const announced = serverNoiseKey(info);
  if (announced) return announced;
  const r = await runScript(client, `${shQuote(node)} -e ${shQuote(publicHalfJs)} "$HOME/.baton/identity.json"\n`);
  const m = /^BATON_PUB (\S+)$/m.exec(r.stdout);
  if (!m) return undefined;
  const key = Buffer.from(m[1]!, 'base64');
  return key.length === 32 ? key : undefined;
}
