// Running commands on a host without depending on its login shell. sshd hands an exec request
// to the user's login shell (`$SHELL -c "<command>"`), and csh and fish quote differently from
// sh — so the only command line we send is `/bin/sh -s`, which every shell reads the same way,
// and the real script travels on stdin where no shell rewrites it.
import type { Client } from 'ssh2';

export interface ExecResult {
  code: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
}

export function runScript(client: Client, script: string, opts: { timeoutMs?: number; args?: string[] } = {}): Promise<ExecResult> {
  // Arguments after -s become $1, $2…; they must be plain words (checked) since the login shell sees them.
  for (const a of opts.args ?? []) if (!/^[A-Za-z0-9_./:@=+-]*$/.test(a)) throw new Error(`unsafe argument for a remote script: ${JSON.stringify(a)}`);
  const command = ['/bin/sh', '-s', ...(opts.args?.length ? ['--', ...opts.args] : [])].join(' ');
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    client.exec(command, (err, stream) => {
      if (err) return reject(err);
      let stdout = '';
      let stderr = '';
      const timer = setTimeout(() => {
        stream.close();
        reject(new Error(`remote script did not finish within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      stream.on('data', (d: Buffer) => { stdout += d.toString('utf8'); });
      stream.stderr.on('data', (d: Buffer) => { stderr += d.toString('utf8'); });
      stream.on('close', (code: number | null, signal?: string) => {
        clearTimeout(timer);
        resolve({ code, ...(signal ? { signal } : {}), stdout, stderr });
      });
      stream.end(script);
    });
  });
}
