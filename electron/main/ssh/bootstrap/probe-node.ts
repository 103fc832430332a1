// Finding `node` >= 20 on a host without trusting its login shell: common install locations
// are probed with /bin/sh first (nvm, volta, Homebrew, system packages); only if none fits is
// the user's login shell asked — csh without -l (csh takes -l only alone), others with -l.
import type { Client } from 'ssh2';
import { chooseNode, parseProbeOutput, type NodeCandidate } from '../../../../shared/ssh/node-probe.js';
import { SshError } from '../errors.js';
import { runScript } from '../exec.js';
import { shQuote } from './shell.js';

/** Probe order; `~` is the remote $HOME and `*` globs (e.g. every nvm version). */
export const defaultNodeProbePaths = [
  '/usr/local/bin/node',
  '/usr/bin/node',
  '~/.nvm/versions/node/*/bin/node',
  '~/.volta/bin/node',
  '/opt/homebrew/bin/node',
  '~/.local/bin/node',
  '/snap/bin/node',
];

function probeScript(paths: string[]): string {
  // `~/x/*` → "$HOME"/'x/'* : $HOME expands, the rest is literal except the glob star.
  const words = paths.map((p) => {
    const rest = p.startsWith('~/') ? p.slice(2) : p;
    const quoted = rest.split('*').map((part) => (part ? shQuote(part) : '')).join('*');
    return p.startsWith('~/') ? `"$HOME"/${quoted}` : quoted;
  });
  return [
    `for n in ${words.join(' ')}; do`,
    '  [ -x "$n" ] || continue',
    '  v=$("$n" -v 2>/dev/null) && echo "BATON_NODE $n $v"',
    'done',
    'exit 0',
    '',
  ].join('\n');
}

const loginShellScript = [
  'sh_=${SHELL:-}',
  '[ -n "$sh_" ] || sh_=$(getent passwd "$(id -un)" 2>/dev/null | cut -d: -f7)',
  '[ -n "$sh_" ] || exit 0',
  // The inner command is read by the login shell: single quotes inside, no backslashes and no
  // "!", so sh, bash, zsh, csh/tcsh and fish all read it the same way.
  `cmd="node -e 'console.log(\\"BATON_NODE \\"+process.execPath+\\" \\"+process.version)'"`,
  'to=; command -v timeout >/dev/null 2>&1 && to="timeout 15"',
  'case "$sh_" in',
  '  *csh) $to "$sh_" -c "$cmd" </dev/null 2>/dev/null ;;',
  '  *) $to "$sh_" -l -c "$cmd" </dev/null 2>/dev/null ;;',
  'esac',
  'exit 0',
  '',
].join('\n');

export interface FindNodeOptions {
  label: string;
  /** Replaces defaultNodeProbePaths (tests; unusual installs). */
  probePaths?: string[];
  /** Ask the login shell when the probe paths have no node >= 20 (default true). */
  loginShellFallback?: boolean;
}

export async function findRemoteNode(client: Client, opts: FindNodeOptions): Promise<NodeCandidate> {
  const probed = await runScript(client, probeScript(opts.probePaths ?? defaultNodeProbePaths), { timeoutMs: 30_000 });
  const candidates = parseProbeOutput(probed.stdout);
  let choice = chooseNode(candidates, opts.label);
  if (choice.ok) return choice.node;
  if (opts.loginShellFallback !== false) {
    const viaShell = await runScript(client, loginShellScript, { timeoutMs: 30_000 });
    candidates.push(...parseProbeOutput(viaShell.stdout));
    choice = chooseNode(candidates, opts.label);
    if (choice.ok) return choice.node;
  }
  throw new SshError('node-missing', choice.message, choice.hint);
}
