import { describe, expect, it } from 'vitest';
import type { ProjectInfo, ThreadSummary } from '../../../shared/contracts/rpc';
import { decideCtrlC, decideLine, mostRecent, parseApprovalAnswer, projectForDir, type InputState, type LineAction } from './decide';

describe('parseApprovalAnswer', () => {
  const table: Array<[string, string | null]> = [
    ['y', 'allow'], ['Yes', 'allow'], [' allow ', 'allow'], ['ok', 'allow'],
    ['n', 'deny'], ['NO', 'deny'], ['deny', 'deny'],
    ['a', 'always'], ['always', 'always'],
    ['', null], ['maybe', null], ['yess', null], ['$ ls', null],
  ];
  for (const [input, out] of table) it(`"${input}" → ${out}`, () => expect(parseApprovalAnswer(input)).toBe(out));
});

describe('decideLine', () => {
  const idle: InputState = { running: false, pending: [] };
  const running: InputState = { running: true, pending: [] };
  const asking: InputState = { running: true, pending: ['r1', 'r2'] };
  const table: Array<[string, InputState, string, LineAction]> = [
    ['blank line', idle, '   ', { kind: 'skip' }],
    ['message when idle', idle, '$ echo hi', { kind: 'turn', text: '$ echo hi' }],
    ['CR is dropped', idle, 'hello\r', { kind: 'turn', text: 'hello' }],
    ['message while running waits', running, 'next', { kind: 'wait' }],
    ['answer to the oldest request', asking, 'y', { kind: 'answer', requestId: 'r1', decision: 'allow' }],
    ['always', asking, 'always', { kind: 'answer', requestId: 'r1', decision: 'always' }],
    ['not an answer', asking, 'do it', { kind: 'bad-answer', requestId: 'r1' }],
    ['/detach at any time', asking, '/detach', { kind: 'command', name: 'detach' }],
    ['/exit', idle, '/exit', { kind: 'command', name: 'detach' }],
    ['/interrupt', running, '/interrupt', { kind: 'command', name: 'interrupt' }],
    ['/show', idle, '/show', { kind: 'command', name: 'show' }],
    ['unknown command', idle, '/frobnicate', { kind: 'unknown-command', name: '/frobnicate' }],
    ['a path is a message', idle, '/etc/hosts please', { kind: 'turn', text: '/etc/hosts please' }],
  ];
  for (const [name, state, line, action] of table) it(name, () => expect(decideLine(state, line)).toEqual(action));
});

describe('decideCtrlC', () => {
  it('interrupts a running turn first', () => expect(decideCtrlC(true, false)).toBe('interrupt'));
  it('detaches on the second press', () => expect(decideCtrlC(true, true)).toBe('detach'));
  it('detaches when nothing runs', () => expect(decideCtrlC(false, false)).toBe('detach'));
});

const project = (id: string, root: string, subdir = ''): ProjectInfo => ({ id, name: id, root, subdir, identity: id, originUrl: null, addedAt: '' });

describe('projectForDir', () => {
  const projects = [project('app', '/src/app'), project('web', '/src/app', 'web'), project('other', '/src/other'), project('app2', '/src/app2')];
  const table: Array<[string, string | null]> = [
    ['/src/app', 'app'],
    ['/src/app/lib/x', 'app'],
    ['/src/app/web', 'web'],
    ['/src/app/web/src/', 'web'],
    ['/src/app2', 'app2'],
    ['/src/ap', null],
    ['/src', null],
    ['/elsewhere', null],
  ];
  for (const [dir, id] of table) it(`${dir} → ${id}`, () => expect(projectForDir(projects, dir)?.id ?? null).toBe(id));
});

describe('mostRecent', () => {
  const t = (id: string, updatedAt: string, extra: Partial<ThreadSummary> = {}) => ({ id, updatedAt, createdAt: '2026-01-01', status: 'idle', archived: false, ...extra }) as ThreadSummary;
  it('picks the latest update', () => expect(mostRecent([t('a', '2026-01-02'), t('b', '2026-01-03'), t('c', '2026-01-01')])?.id).toBe('b'));
  it('skips moved and archived threads', () => expect(mostRecent([t('a', '2026-01-02'), t('b', '2026-01-05', { status: 'moved' }), t('c', '2026-01-06', { archived: true })])?.id).toBe('a'));
  it('breaks ties deterministically', () => expect(mostRecent([t('a', '2026-01-02'), t('b', '2026-01-02')])?.id).toBe('b'));
  it('is null for none', () => expect(mostRecent([])).toBeNull());
});
