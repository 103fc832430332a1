// The renderer is a web page: it may import shared/, its own files and browser packages, never
// Node built-ins, Electron or the Node-side code under electron/. The compiler keeps Node *types*
// out (renderer/tsconfig.json); this keeps the *imports* out, including ones a bundler would
// happily polyfill.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = path.dirname(fileURLToPath(import.meta.url));
const nodeBuiltins = new Set(['fs', 'path', 'os', 'child_process', 'crypto', 'net', 'http', 'https', 'url', 'util', 'stream', 'events', 'buffer', 'process', 'worker_threads', 'tls', 'dns', 'zlib', 'readline', 'module', 'vm', 'assert']);

export function forbiddenImports(file: string, text: string): string[] {
  const specs = [...text.matchAll(/(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]|require\s*\(\s*['"]([^'"]+)['"]\s*\)/g)].map(
    (m) => m[1] ?? m[2] ?? m[3] ?? m[4]!,
  );
  const bad: string[] = [];
  for (const s of specs) {
    if (s.startsWith('node:') || nodeBuiltins.has(s.split('/')[0]!)) bad.push(s);
    else if (s === 'electron' || s.startsWith('electron/')) bad.push(s);
    else if (s.startsWith('.')) {
      const target = path.resolve(path.dirname(file), s);
      const rel = path.relative(path.resolve(here, '..'), target).split(path.sep);
      if (rel[0] !== 'renderer' && rel[0] !== 'shared') bad.push(s);
    }
  }
  return bad;
}

function sources(dir: string): string[] {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => /\.(ts|tsx)$/.test(f) && !/\.test\.tsx?$/.test(f))
    .map((f) => path.join(dir, f));
}

describe('renderer imports', () => {
  it('import only shared/, the renderer itself and browser packages', () => {
    const offenders = sources(here).flatMap((f) => forbiddenImports(f, readFileSync(f, 'utf8')).map((s) => `${path.relative(here, f)} imports ${s}`));
    expect(offenders).toEqual([]);
  });

  it('the check catches each kind of forbidden import', () => {
    const f = path.join(here, 'x.ts');
    expect(forbiddenImports(f, "import fs from 'node:fs';")).toEqual(['node:fs']);
    expect(forbiddenImports(f, "import { join } from 'path';")).toEqual(['path']);
    expect(forbiddenImports(f, "import { ipcRenderer } from 'electron';")).toEqual(['electron']);
    expect(forbiddenImports(f, "export * from '../electron/main/bridge/hub';")).toEqual(['../electron/main/bridge/hub']);
    expect(forbiddenImports(f, "const m = await import('../electron/app-server/x');")).toEqual(['../electron/app-server/x']);
    expect(forbiddenImports(f, "import '../shared/contracts/bridge';\nimport { x } from './state/app';\nimport { z } from 'zod';")).toEqual([]);
  });
});
