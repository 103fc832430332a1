// Unified diffs for file_change items: what the user reviews and what travels with the thread.
// Pure. Common head and tail are trimmed first, so the usual edit (a few lines in a big file)
// costs almost nothing; the middle is an LCS table, and a middle too large for one falls back
// to "all old lines out, all new lines in" — still a correct diff, just a blunt one.
const MAX_TABLE = 4_000_000;
const CONTEXT = 3;

type Op = { t: ' ' | '-' | '+'; line: string };

export function unifiedDiff(path: string, before: string | null, after: string | null): string {
  const a = splitLines(before ?? '');
  const b = splitLines(after ?? '');
  const ops = diffLines(a, b);
  if (!ops.some((o) => o.t !== ' ')) return '';
  const header = [`--- ${before === null ? '/dev/null' : `a/${path}`}`, `+++ ${after === null ? '/dev/null' : `b/${path}`}`];
  return [...header, ...hunks(ops)].join('\n') + '\n';
}

function splitLines(s: string): string[] {
  if (s === '') return [];
  const lines = s.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  else lines[lines.length - 1] += '\n\\ No newline at end of file';
  return lines;
}

export function diffLines(a: readonly string[], b: readonly string[]): Op[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const am = a.slice(head, a.length - tail);
  const bm = b.slice(head, b.length - tail);
  const ops: Op[] = a.slice(0, head).map((line) => ({ t: ' ', line }));
  ops.push(...middle(am, bm));
  ops.push(...a.slice(a.length - tail).map((line): Op => ({ t: ' ', line })));
  return ops;
}

function middle(a: readonly string[], b: readonly string[]): Op[] {
  if ((a.length + 1) * (b.length + 1) > MAX_TABLE) {
    return [...a.map((line): Op => ({ t: '-', line })), ...b.map((line): Op => ({ t: '+', line }))];
  }
  const w = b.length + 1;
  const lcs = new Uint32Array((a.length + 1) * w);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i * w + j] = a[i] === b[j] ? lcs[(i + 1) * w + j + 1]! + 1 : Math.max(lcs[(i + 1) * w + j]!, lcs[i * w + j + 1]!);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      ops.push({ t: ' ', line: a[i]! });
      i++;
      j++;
    } else if (lcs[(i + 1) * w + j]! >= lcs[i * w + j + 1]!) ops.push({ t: '-', line: a[i++]! });
    else ops.push({ t: '+', line: b[j++]! });
  }
  while (i < a.length) ops.push({ t: '-', line: a[i++]! });
  while (j < b.length) ops.push({ t: '+', line: b[j++]! });
  return ops;
}

function hunks(ops: readonly Op[]): string[] {
  const out: string[] = [];
  let k = 0;
  let oldLine = 1;
  let newLine = 1;
  // Positions (old/new line numbers) before each op.
  const pos = ops.map((o) => {
    const p = { o: oldLine, n: newLine };
    if (o.t !== '+') oldLine++;
    if (o.t !== '-') newLine++;
    return p;
  });
  while (k < ops.length) {
    if (ops[k]!.t === ' ') {
      k++;
      continue;
    }
    const start = Math.max(0, k - CONTEXT);
    let end = k;
    // Extend while changes are within 2*CONTEXT lines of each other.
    for (;;) {
      while (end < ops.length && ops[end]!.t !== ' ') end++;
      let next = end;
      while (next < ops.length && ops[next]!.t === ' ') next++;
      if (next < ops.length && next - end <= 2 * CONTEXT) end = next;
      else {
        end = Math.min(ops.length, end + CONTEXT);
        break;
      }
    }
    const slice = ops.slice(start, end);
    const oldCount = slice.filter((o) => o.t !== '+').length;
    const newCount = slice.filter((o) => o.t !== '-').length;
    const o0 = oldCount === 0 ? pos[start]!.o - 1 : pos[start]!.o;
    const n0 = newCount === 0 ? pos[start]!.n - 1 : pos[start]!.n;
    out.push(`@@ -${o0},${oldCount} +${n0},${newCount} @@`);
    for (const o of slice) out.push(o.t + o.line);
    k = end;
  }
  return out;
}
