// `npm run bench`: Baton's figures beside the manual way, in one run on this machine, over
// loopback with a real sshd (issue 9). Prints a table and writes bench/results.json.
// Needs root (sshd and a throwaway user); BENCH_RUNS and BENCH_SECONDS shorten a run.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { manualHandoff } from './baseline.js';
import { measureCatchUp } from './catchup.js';
import { startBenchSsh, type BenchSsh } from './ssh.js';
import { measureThroughput } from './throughput.js';
import { makeWorkload, STANDARD } from './workload.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);

export interface Row {
  section: string;
  name: string;
  value: number | null;
  unit: string;
  baseline?: number | null;
  baselineName?: string;
  note?: string;
}

export const rows: Row[] = [];

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}
export function p95(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)]!;
}

/** Writes the standard workload's transcript: 2,000 items as a thread log would hold them. */
function transcriptFile(dir: string, items: number): string {
  const file = path.join(dir, 'transcript.jsonl');
  const at = new Date(0).toISOString();
  const lines: string[] = [];
  for (let i = 0; i < items; i++) {
    lines.push(JSON.stringify({ rev: i + 2, at, epoch: 0, kind: 'item_added', item: { id: `i${i}`, at, type: i % 2 ? 'agent_message' : 'user_message', text: `message ${i} `.repeat(20) } }));
  }
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

async function manualRuns(ssh: BenchSsh, work: string) {
  const w = makeWorkload(path.join(work, 'workload'), STANDARD);
  const remoteRepo = path.join(ssh.user.home, 'dest');
  execFileSync('cp', ['-a', w.dest, remoteRepo]);
  execFileSync('chown', ['-R', `${ssh.user.name}:${ssh.user.name}`, remoteRepo]);
  const transcript = transcriptFile(work, 2000);
  const totals: number[] = [];
  let bytes = 0;
  const stepTotals: Record<string, number[]> = {};
  for (let i = 0; i < RUNS; i++) {
    const wt = path.join(ssh.user.home, `wt${i}`);
    const r = manualHandoff({ source: w.source, branch: 'work', transcriptFile: transcript, target: ssh.target, remoteRepo, remoteWorktree: wt });
    totals.push(r.totalMs);
    bytes = r.bytesCopied;
    for (const [k, v] of Object.entries(r.steps)) (stepTotals[k] ??= []).push(v);
    // Back to the starting point for the next run: no worktree, no branch on the destination.
    execFileSync('su', [ssh.user.name, '-c', `cd ${remoteRepo} && git worktree remove --force ${wt} && git branch -D -q work`]);
  }
  return { totals, bytes, stepTotals, workload: w };
}

async function main() {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    console.error('npm run bench needs root: it starts sshd on loopback and a throwaway user for the SSH baselines.');
    process.exit(2);
  }
  const work = mkdtempSync(path.join(os.tmpdir(), 'baton-bench-'));
  const ssh = await startBenchSsh();
  try {
    console.error('bench: channel throughput…');
    const tp = await measureThroughput(SECONDS, (p) => ssh.forward(p));
    rows.push({ section: '4. Channel throughput (64 KiB messages)', name: 'Noise channel', value: tp.noiseChannel, unit: 'MB/s', baseline: tp.rawWebSocket, baselineName: 'raw WebSocket' });
    rows.push({ section: '4. Channel throughput (64 KiB messages)', name: 'Noise channel', value: tp.noiseChannel, unit: 'MB/s', baseline: tp.sshForward, baselineName: 'WebSocket through ssh -L' });

    console.error('bench: reconnect catch-up…');
    const cu = await measureCatchUp(1000, RUNS);
    rows.push({ section: '5. Reconnect catch-up (1,000 missed events)', name: 'median', value: median(cu), unit: 'ms' });
    rows.push({ section: '5. Reconnect catch-up (1,000 missed events)', name: 'p95', value: p95(cu), unit: 'ms' });

    console.error('bench: standard workload and the manual baseline…');
    const manual = await manualRuns(ssh, work);
    for (const [name, f] of [['median', median], ['p95', p95]] as const) {
      rows.push({ section: '1. Handoff latency, standard workload', name: `manual (bundle, scp, fetch, worktree add, apply) ${name}`, value: f(manual.totals), unit: 'ms' });
    }
    for (const [step, xs] of Object.entries(manual.stepTotals)) {
      rows.push({ section: '1. Handoff latency, standard workload', name: `  manual step: ${step} (median)`, value: median(xs), unit: 'ms' });
    }
    rows.push({ section: '2. Bytes on the wire', name: 'manual: files copied with scp', value: manual.bytes, unit: 'bytes' });
  } finally {
    await ssh.stop();
    rmSync(work, { recursive: true, force: true });
  }

  const table = render(rows);
  console.log(table);
  const results = {
    date: new Date().toISOString(),
    machine: { cores: os.cpus().length, memoryBytes: os.totalmem(), cpu: os.cpus()[0]?.model, node: process.version, load: os.loadavg() },
    runs: RUNS,
    rows,
  };
  writeFileSync(path.join(import.meta.dirname, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  console.log(`\nwritten: bench/results.json (${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB)`);
}

export function render(rs: Row[]): string {
  const out: string[] = [];
  let section = '';
  const fmt = (v: number | null | undefined, unit: string) => (v === null || v === undefined ? 'n/a' : unit === 'bytes' ? `${(v / 2 ** 20).toFixed(2)} MiB` : `${v.toFixed(unit === 'MB/s' ? 0 : 1)} ${unit}`);
  for (const r of rs) {
    if (r.section !== section) {
      section = r.section;
      out.push('', r.section);
    }
    const ratio = r.value !== null && r.baseline ? `  ${(r.value / r.baseline).toFixed(2)}×` : '';
    const base = r.baselineName ? `  vs ${r.baselineName} ${fmt(r.baseline, r.unit)}${ratio}` : '';
    out.push(`  ${r.name.padEnd(58)} ${fmt(r.value, r.unit).padStart(12)}${base}${r.note ? `  (${r.note})` : ''}`);
  }
  return out.join('\n');
}

await main();
