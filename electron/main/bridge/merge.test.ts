import { describe, expect, it } from 'vitest';
import type { ThreadSummary } from '../../../shared/contracts/rpc';
import { mergeThreadLists } from './merge';

const t = (id: string, host: string, over: Partial<ThreadSummary> = {}): ThreadSummary => ({
  id,
  title: id,
  project: { id: 'p', name: 'p', identity: 'x', subdir: '' },
  host,
  branch: null,
  worktreePath: '/w',
  status: 'idle',
  settings: { provider: 'offline', permissions: { name: 'd', approvalPolicy: 'never', sandbox: 'workspace-write', writableRoots: [] }, hooks: { preToolUse: [], postToolUse: [] } },
  approvalRules: [],
  revision: 1,
  epoch: 0,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  archived: false,
  activeTurnId: null,
  preview: '',
  ...over,
});

describe('mergeThreadLists', () => {
  it.each<[string, Array<{ online: boolean; threads: ThreadSummary[] }>, Array<[string, string, string, boolean]>]>([
    ['threads of every host, each with its host\'s online flag', [{ online: true, threads: [t('a', 'local')] }, { online: false, threads: [t('b', 'gpu')] }], [['a', 'local', 'idle', true], ['b', 'gpu', 'idle', false]]],
    ['a moved thread shows once, where it lives', [{ online: true, threads: [t('a', 'local', { status: 'moved', movedTo: 'gpu' })] }, { online: true, threads: [t('a', 'gpu', { epoch: 1 })] }], [['a', 'gpu', 'idle', true]]],
    ['its new host is not listing it (offline, never connected): the tombstone stays visible', [{ online: true, threads: [t('a', 'local', { status: 'moved', movedTo: 'gpu' })] }], [['a', 'local', 'moved', true]]],
    ['two tombstones of one thread: one row', [{ online: true, threads: [t('a', 'local', { status: 'moved', movedTo: 'gpu' })] }, { online: true, threads: [t('a', 'gpu', { status: 'moved', movedTo: 'build' })] }], [['a', 'local', 'moved', true]]],
    ['archived threads are left out unless asked for', [{ online: true, threads: [t('a', 'local', { archived: true })] }], []],
  ])('%s', (_n, hosts, expected) => {
    expect(mergeThreadLists(hosts).map((x) => [x.id, x.host, x.status, x.online])).toEqual(expected);
  });

  it('newest first', () => {
    const r = mergeThreadLists([{ online: true, threads: [t('old', 'local'), t('new', 'local', { updatedAt: '2026-02-01T00:00:00Z' })] }]);
    expect(r.map((x) => x.id)).toEqual(['new', 'old']);
  });
});
