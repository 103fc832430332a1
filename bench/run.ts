// `npm run bench`: Baton's figures beside the manual way, in one run on this machine, over
// loopback with a real sshd (issue 9). Prints a table and writes bench/results.json.
// Needs root (sshd and a throwaway user); BENCH_RUNS and BENCH_SECONDS shorten a run.
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync as write } from 'node:fs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { manualHandoff } from './baseline.js';
import { measureCatchUp } from './catchup.js';
import { createLongThread, handOff, minimumBytes, openDesk, tipsOf, type Desk } from './handoff.js';
import { startBenchSsh, type BenchSsh } from './ssh.js';
import { measureThroughput } from './throughput.js';
import { makeWorkload, STANDARD } from './workload.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
/** BENCH_ONLY=handoff (or throughput, catchup) runs one part; BENCH_SMALL=1 shrinks the workload. */
const ONLY = process.env.BENCH_ONLY;
const SHAPE = process.env.BENCH_SMALL ? { ...STANDARD, files: 200, commits: 20, binaryBytes: 256 * 1024 } : STANDARD;

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
  const w = makeWorkload(path.join(work, 'workload'), SHAPE);
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
    if (!ONLY || ONLY === 'throughput') {
    console.error('bench: channel throughput…');
    const tp = await measureThroughput(SECONDS, (p) => ssh.forward(p));
    rows.push({ section: '4. Channel throughput (64 KiB messages)', name: 'Noise channel', value: tp.noiseChannel, unit: 'MB/s', baseline: tp.rawWebSocket, baselineName: 'raw WebSocket' });
    rows.push({ section: '4. Channel throughput (64 KiB messages)', name: 'Noise channel', value: tp.noiseChannel, unit: 'MB/s', baseline: tp.sshForward, baselineName: 'WebSocket through ssh -L' });
    }

    if (!ONLY || ONLY === 'catchup') {
    console.error('bench: reconnect catch-up…');
    const cu = await measureCatchUp(1000, RUNS);
    rows.push({ section: '5. Reconnect catch-up (1,000 missed events)', name: 'median', value: median(cu), unit: 'ms' });
    rows.push({ section: '5. Reconnect catch-up (1,000 missed events)', name: 'p95', value: p95(cu), unit: 'ms' });
    }

    if (!ONLY || ONLY === 'handoff') {
    console.error('bench: standard workload and the manual baseline…');
    const manual = await manualRuns(ssh, work);
    for (const [name, f] of [['median', median], ['p95', p95]] as const) {
      rows.push({ section: '1. Handoff latency, standard workload', name: `manual (bundle, scp, fetch, worktree add, apply) ${name}`, value: f(manual.totals), unit: 'ms' });
    }
    for (const [step, xs] of Object.entries(manual.stepTotals)) {
      rows.push({ section: '1. Handoff latency, standard workload', name: `  manual step: ${step} (median)`, value: median(xs), unit: 'ms' });
    }
    rows.push({ section: '2. Bytes on the wire', name: 'manual: files copied with scp', value: manual.bytes, unit: 'bytes' });

    console.error('bench: Baton handoffs…');
    await batonRuns(ssh, work, manual.workload, median(manual.totals));
    }
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

/** Where a thread of this computer's project lives on disk, and the project as saved here. */
async function localProject(desk: Desk, source: string) {
  const { project } = await desk.client.call('project/add', { path: source, name: `app-${Date.now()}` });
  return project;
}

async function batonRuns(ssh: BenchSsh, work: string, w: { source: string; dest: string }, manualMedian: number) {
  const remoteRepo = path.join(ssh.user.home, 'dest');
  const desk = await openDesk(work, ssh);
  const section1 = '1. Handoff latency, standard workload';
  try {
    console.error('bench: desk open; saving the project on the box');
    await desk.remote.client.call('project/add', { path: remoteRepo, name: 'app' });
    const project = await localProject(desk, w.source);
    const newThread = (items: number) => createLongThread(desk.app.store, { project, worktreePath: w.source, branch: 'work', items, hostId: 'local' });

    // First arrival, RUNS times: each a new thread (2,000 items) whose worktree the box creates.
    const first: number[] = [];
    const prepare: number[] = [];
    const prestage: number[] = [];
    // Bytes are those of the first run, against what the box had before it (later runs find
    // the first run's objects there already).
    const havesBefore = tipsOf(remoteRepo);
    let bytes = 0;
    let minimum = { pack: 0, log: 0 };
    let lastThread = '';
    for (let i = 0; i < RUNS; i++) {
      lastThread = await newThread(2000);
      if (i === 0) minimum = await minimumBytes(w.source, havesBefore, path.join(desk.app.home, 'threads', `${lastThread}.jsonl`));
      console.error(`bench: handoff ${i + 1}/${RUNS} of ${lastThread}`);
      const r = await handOff(desk, lastThread);
      first.push(r.clickToResumedMs);
      prepare.push(r.prepareMs);
      prestage.push(r.prestageMs);
      if (i === 0) bytes = r.bytesSent;
    }
    rows.push({ section: section1, name: 'Baton: review shown (handoff/prepare) median', value: median(prepare), unit: 'ms' });
    rows.push({ section: section1, name: 'Baton: pre-staging, while the review is open, median', value: median(prestage), unit: 'ms', note: 'objects + worktree checkout on the box, before the click' });
    for (const [name, f] of [['median', median], ['p95', p95]] as const) {
      rows.push({ section: section1, name: `Baton: click → resumed, first arrival ${name}`, value: f(first), unit: 'ms', baseline: name === 'median' ? manualMedian : null, baselineName: name === 'median' ? 'manual median' : undefined });
    }
    const min = minimum;
    rows.push({ section: '2. Bytes on the wire', name: 'Baton: application bytes sent (first arrival)', value: bytes, unit: 'bytes', baseline: min.pack + min.log, baselineName: 'minimum (missing objects packed + gzipped log)' });
    rows.push({ section: '2. Bytes on the wire', name: '  minimum: pack of the objects the box lacks', value: min.pack, unit: 'bytes' });
    rows.push({ section: '2. Bytes on the wire', name: '  minimum: gzipped thread log', value: min.log, unit: 'bytes' });

    // The way back: five commits on the box in the thread's worktree, then `baton --remote box
    // handoff … --to local` (the CLI relays; its time includes starting node and the SSH login).
    const wt = (await desk.remote.client.call('thread/read', { thread: lastThread, limit: 1 })).thread.worktreePath;
    for (let c = 0; c < 5; c++) {
      execFileSync('su', [ssh.user.name, '-c', `cd ${wt} && echo commit ${c} >> remote-${c}.txt && git add -A && git -c user.name=b -c user.email=b@e commit -qm 'remote ${c}'`]);
    }
    await desk.close();
    const t0 = performance.now();
    const back = spawnSync(process.execPath, [path.resolve(import.meta.dirname, '..', 'dist', 'baton.cjs'), '--remote', 'box', 'handoff', lastThread, '--to', 'local', '--yes', '--json'], { env: process.env, encoding: 'utf8', timeout: 300_000 });
    const backMs = performance.now() - t0;
    if (back.status !== 0) {
      rows.push({ section: '3. The way back (5 more commits on the box)', name: 'baton --remote box handoff --to local', value: null, unit: 'ms', note: `failed: ${(back.stdout + back.stderr).trim().split('\n').pop()}` });
    } else {
      const st = JSON.parse(back.stdout).status;
      rows.push({ section: '3. The way back (5 more commits on the box)', name: 'baton --remote box handoff --to local (whole CLI run)', value: backMs, unit: 'ms', note: 'includes node start-up, SSH login and bootstrap check' });
      rows.push({ section: '3. The way back (5 more commits on the box)', name: '  bytes moved (pre-staging + after the click)', value: (st.prestageBytes ?? 0) + (st.bytesTotal ?? 0), unit: 'bytes', note: `${st.bytesTotal ?? 0} after the click` });
    }

    // Second arrival and scale: a fresh desk (the CLI run above used this BATON_HOME).
    const desk2 = await openDesk(work, ssh, { reuse: true });
    try {
      const again = await handOff(desk2, lastThread);
      rows.push({ section: section1, name: 'Baton: click → resumed, second arrival (worktree reused)', value: again.clickToResumedMs, unit: 'ms', note: `pre-staging ${again.prestageMs.toFixed(0)} ms before it` });
      const scale = '6. Scale: click → resumed';
      for (const items of [1_000, 10_000, 100_000]) {
        const t = await createLongThread(desk2.app.store, { project, worktreePath: w.source, branch: 'work', items, hostId: 'local' });
        const r = await handOff(desk2, t);
        rows.push({ section: scale, name: `transcript of ${items.toLocaleString('en')} items`, value: r.clickToResumedMs, unit: 'ms', note: `review ${r.prepareMs.toFixed(0)} ms, pre-staging ${r.prestageMs.toFixed(0)} ms, ${(r.bytesSent / 2 ** 20).toFixed(1)} MiB sent` });
      }
      for (const files of [10, 100, 1_000]) {
        execFileSync('sh', ['-c', 'git checkout -q -- . && git clean -fdq'], { cwd: w.source });
        for (let f = 0; f < files; f++) write(path.join(w.source, `src/mod${Math.floor(f / 100)}/file${f}.txt`), `changed for the scale run ${f}\n`);
        const t = await createLongThread(desk2.app.store, { project, worktreePath: w.source, branch: 'work', items: 100, hostId: 'local' });
        const r = await handOff(desk2, t);
        rows.push({ section: scale, name: `${files.toLocaleString('en')} changed files`, value: r.clickToResumedMs, unit: 'ms', note: `review ${r.prepareMs.toFixed(0)} ms, pre-staging ${r.prestageMs.toFixed(0)} ms` });
      }
    } finally {
      await desk2.close();
    }
  } catch (e) {
    rows.push({ section: section1, name: 'Baton handoff', value: null, unit: 'ms', note: `failed: ${(e as Error).message.split('\n')[0]}` });
    await desk.close().catch(() => undefined);
  }
}

export function render(rs: Row[]): string {
  const out: string[] = [];
  let section = '';
  const size = (v: number) => (v < 2 ** 20 ? `${(v / 1024).toFixed(1)} KiB` : `${(v / 2 ** 20).toFixed(2)} MiB`);
  const fmt = (v: number | null | undefined, unit: string) => (v === null || v === undefined ? 'n/a' : unit === 'bytes' ? size(v) : `${v.toFixed(unit === 'MB/s' ? 0 : 1)} ${unit}`);
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

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
