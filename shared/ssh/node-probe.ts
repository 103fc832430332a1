// Choosing the remote `node` from what the probe script printed. The script prints one line per
// candidate, `BATON_NODE <path> <version>`, in probe order; anything else on stdout (a chatty
// .cshrc, a MOTD) is ignored.

export const minNodeMajor = 20;

export interface NodeCandidate {
  path: string;
  version: string;
  major: number;
}

export type NodeChoice =
  | { ok: true; node: NodeCandidate }
  | { ok: false; found: NodeCandidate[]; message: string; hint: string };

export function parseProbeOutput(stdout: string): NodeCandidate[] {
  const out: NodeCandidate[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^BATON_NODE (\S+) v(\d+)\.(\d+)\.(\d+)\S*\s*$/.exec(line.trim());
    if (!m) continue;
    out.push({ path: m[1]!, version: `v${m[2]}.${m[3]}.${m[4]}`, major: Number(m[2]) });
  }
  return out;
}

function compareVersions(a: string, b: string): number {
  const pa = a.slice(1).split('.').map(Number);
  const pb = b.slice(1).split('.').map(Number);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i]! - pb[i]!;
  return 0;
}

/** The newest node >= 20 among the candidates; ties keep probe order (the earlier path wins). */
export function chooseNode(candidates: NodeCandidate[], hostLabel: string): NodeChoice {
  let best: NodeCandidate | undefined;
  for (const c of candidates) {
    if (c.major < minNodeMajor) continue;
    if (!best || compareVersions(c.version, best.version) > 0) best = c;
  }
  if (best) return { ok: true, node: best };
  const seen = candidates.length ? ` Found only: ${candidates.map((c) => `${c.path} ${c.version}`).join(', ')}.` : '';
  return {
    ok: false,
    found: candidates,
    message: `Node.js ${minNodeMajor} or newer was not found on ${hostLabel}.${seen}`,
    hint: `Install Node.js ${minNodeMajor}+ on ${hostLabel} (for example with your package manager, nvm or volta) so that it is in /usr/local/bin, /usr/bin, ~/.nvm, ~/.volta/bin or on the login shell's PATH, then try again.`,
  };
}
