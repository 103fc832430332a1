// apply_patch: the Codex patch format, because models trained on Codex already speak it and
// a person can read it. Pure parsing and applying; the file system is reached only through the
// `lookup` callback (which also enforces path safety).
//
//   *** Begin Patch
//   *** Add File: path/new.txt        every following line starts with "+"
//   +hello
//   *** Delete File: path/old.txt
//   *** Update File: path/file.ts
//   @@ optional line to find first (a function signature, say)
//    context line (leading space)
//   -line to remove
//   +line to add
//   *** End of File                   optional: the chunk must match at the end of the file
//   *** End Patch
//
// Chunks are found in order, each after the previous one; lines are matched exactly, then
// ignoring trailing whitespace, then ignoring surrounding whitespace (models get indentation
// of context lines slightly wrong). "*** Move to:" is not supported: delete and add instead.
import { ToolError } from './errors';

export interface PatchChunk {
  header?: string;
  old: string[];
  new: string[];
  atEof: boolean;
}

export type PatchOp =
  | { type: 'add'; path: string; lines: string[] }
  | { type: 'delete'; path: string }
  | { type: 'update'; path: string; chunks: PatchChunk[] };

export interface FileChange {
  abs: string;
  rel: string;
  kind: 'add' | 'modify' | 'delete';
  before: string | null;
  after: string | null;
}

const bad = (msg: string) => new ToolError('patch_invalid', `apply_patch: ${msg}`);

export function parsePatch(text: string): PatchOp[] {
  const lines = text.replace(/\r\n/g, '\n').trim().split('\n');
  if (lines[0]?.trim() !== '*** Begin Patch') throw bad('the patch must start with "*** Begin Patch".');
  if (lines[lines.length - 1]?.trim() !== '*** End Patch') throw bad('the patch must end with "*** End Patch".');
  const body = lines.slice(1, -1);
  const ops: PatchOp[] = [];
  let i = 0;
  while (i < body.length) {
    const line = body[i]!;
    let m: RegExpMatchArray | null;
    if ((m = line.match(/^\*\*\* Add File: (.+)$/))) {
      const lines: string[] = [];
      i++;
      while (i < body.length && !body[i]!.startsWith('*** ')) {
        if (!body[i]!.startsWith('+')) throw bad(`line ${i + 2}: in an added file every line starts with "+".`);
        lines.push(body[i]!.slice(1));
        i++;
      }
      ops.push({ type: 'add', path: m[1]!.trim(), lines });
    } else if ((m = line.match(/^\*\*\* Delete File: (.+)$/))) {
      ops.push({ type: 'delete', path: m[1]!.trim() });
      i++;
    } else if ((m = line.match(/^\*\*\* Update File: (.+)$/))) {
      const path = m[1]!.trim();
      i++;
      if (body[i]?.startsWith('*** Move to:')) throw bad('"*** Move to:" is not supported; delete the old file and add the new one.');
      const chunks: PatchChunk[] = [];
      let chunk: PatchChunk | null = null;
      while (i < body.length && !/^\*\*\* (Add|Delete|Update) File: /.test(body[i]!)) {
        const l = body[i]!;
        if (l.startsWith('@@')) {
          chunk = { header: l.slice(2).trim() || undefined, old: [], new: [], atEof: false };
          chunks.push(chunk);
        } else if (l === '*** End of File') {
          if (!chunk) throw bad(`line ${i + 2}: "*** End of File" outside a chunk.`);
          chunk.atEof = true;
        } else {
          if (!chunk) {
            // The first chunk of a file may omit its "@@" line.
            chunk = { old: [], new: [], atEof: false };
            chunks.push(chunk);
          }
          const tag = l[0];
          const rest = l.slice(1);
          if (tag === ' ' || l === '') {
            chunk.old.push(rest);
            chunk.new.push(rest);
          } else if (tag === '-') chunk.old.push(rest);
          else if (tag === '+') chunk.new.push(rest);
          else throw bad(`line ${i + 2}: expected a line starting with " ", "-", "+" or "@@", got "${l.slice(0, 60)}".`);
        }
        i++;
      }
      if (chunks.length === 0) throw bad(`"${path}" has an Update File section with no changes.`);
      ops.push({ type: 'update', path, chunks });
    } else if (line.trim() === '') {
      i++;
    } else {
      throw bad(`line ${i + 2}: expected "*** Add File:", "*** Delete File:" or "*** Update File:", got "${line.slice(0, 60)}".`);
    }
  }
  if (ops.length === 0) throw bad('the patch changes no files.');
  return ops;
}

/**
 * Computes every file's new content before anything is written, so a patch whose third file
 * does not apply changes nothing at all.
 */
export function applyPatchToFiles(
  ops: readonly PatchOp[],
  lookup: (path: string) => { abs: string; rel: string; content: string | null },
): FileChange[] {
  const seen = new Set<string>();
  return ops.map((op) => {
    const f = lookup(op.path);
    if (seen.has(f.abs)) throw bad(`"${op.path}" appears twice in the patch; put all its changes in one section.`);
    seen.add(f.abs);
    switch (op.type) {
      case 'add':
        if (f.content !== null) throw bad(`"${op.path}" already exists; use "*** Update File:" to change it.`);
        return { ...f, kind: 'add', before: null, after: op.lines.join('\n') + '\n' };
      case 'delete':
        if (f.content === null) throw bad(`"${op.path}" does not exist, so it cannot be deleted.`);
        return { ...f, kind: 'delete', before: f.content, after: null };
      case 'update':
        if (f.content === null) throw bad(`"${op.path}" does not exist; use "*** Add File:" to create it.`);
        return { ...f, kind: 'modify', before: f.content, after: applyChunks(op.path, f.content, op.chunks) };
    }
  });
}

export function applyChunks(path: string, content: string, chunks: readonly PatchChunk[]): string {
  const endsWithNewline = content.endsWith('\n');
  const lines = content.split('\n');
  if (endsWithNewline) lines.pop();
  let cursor = 0;
  for (const chunk of chunks) {
    if (chunk.header) {
      const h = findSeq(lines, [chunk.header], cursor, false);
      if (h < 0) throw bad(`could not find "@@ ${chunk.header}" in ${path}.`);
      cursor = h + 1;
    }
    if (chunk.old.length === 0) {
      // Pure insertion: after the header line if there is one, else at the end of the file.
      const at = chunk.header ? cursor : lines.length;
      lines.splice(at, 0, ...chunk.new);
      cursor = at + chunk.new.length;
      continue;
    }
    const at = findSeq(lines, chunk.old, cursor, chunk.atEof);
    if (at < 0) {
      throw bad(`could not find these lines in ${path}:\n${chunk.old.slice(0, 5).join('\n')}\nRead the file again and patch against its current content.`);
    }
    lines.splice(at, chunk.old.length, ...chunk.new);
    cursor = at + chunk.new.length;
  }
  return lines.join('\n') + (endsWithNewline || lines.length > 0 ? '\n' : '');
}

const normalizers: ((s: string) => string)[] = [(s) => s, (s) => s.trimEnd(), (s) => s.trim()];

function findSeq(lines: readonly string[], seq: readonly string[], from: number, atEof: boolean): number {
  for (const norm of normalizers) {
    const want = seq.map(norm);
    const starts = atEof ? [lines.length - seq.length] : range(from, lines.length - seq.length + 1);
    for (const s of starts) {
      if (s < from || s < 0) continue;
      if (want.every((w, k) => norm(lines[s + k]!) === w)) return s;
    }
  }
  return -1;
}

function range(a: number, b: number): number[] {
  const out: number[] = [];
  for (let i = a; i < b; i++) out.push(i);
  return out;
}
