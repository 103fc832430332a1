import { describe, expect, it } from 'vitest';
import { parseOfflineMessage, parsePlanSteps, type OfflineAction } from './offline';

const cases: [string, string, OfflineAction[]][] = [
  ['prose only', 'please fix the build', []],
  ['one command', '$ npm test', [{ kind: 'shell', command: 'npm test' }]],
  ['commands in order, prose between', 'first\n$ a\nthen\n$ b  \n', [{ kind: 'shell', command: 'a' }, { kind: 'shell', command: 'b' }]],
  ['"$" needs a space after it', '$HOME is set\n$\n$  \n', []],
  ['"$ " only at line start', 'run $ ls please', []],
  ['CRLF line ends', '$ a\r\n$ b\r\n', [{ kind: 'shell', command: 'a' }, { kind: 'shell', command: 'b' }]],
  ['write block', '```write src/a.txt\nhello\nworld\n```', [{ kind: 'write', path: 'src/a.txt', content: 'hello\nworld\n' }]],
  ['write block keeps "$ " lines as content', '```write run.sh\n$ not a command\n```', [{ kind: 'write', path: 'run.sh', content: '$ not a command\n' }]],
  ['empty write block makes an empty file', '```write empty\n```', [{ kind: 'write', path: 'empty', content: '' }]],
  ['tilde fence', '~~~write a\n```\n~~~', [{ kind: 'write', path: 'a', content: '```\n' }]],
  ['unclosed fence takes the rest', '```write a\nx\ny', [{ kind: 'write', path: 'a', content: 'x\ny\n' }]],
  ['write without a path is ignored', '```write\nx\n```', []],
  ['a plain code fence is prose', '```sh\n$ rm -rf /\n```', []],
  ['commands resume after a quoted block', '```\n$ no\n```\n$ yes', [{ kind: 'shell', command: 'yes' }]],
  ['patch block', '```patch\n*** Begin Patch\n*** End Patch\n```', [{ kind: 'patch', patch: '*** Begin Patch\n*** End Patch' }]],
  ['apply_patch block', '```apply_patch\nP\n```', [{ kind: 'patch', patch: 'P' }]],
  [
    'plan line',
    'plan: [x] one; [~] two; [>] three; [ ] four; five',
    [
      {
        kind: 'plan',
        steps: [
          { step: 'one', status: 'completed' },
          { step: 'two', status: 'in_progress' },
          { step: 'three', status: 'in_progress' },
          { step: 'four', status: 'pending' },
          { step: 'five', status: 'pending' },
        ],
      },
    ],
  ],
  ['Plan: is case-insensitive', 'Plan: [X] done', [{ kind: 'plan', steps: [{ step: 'done', status: 'completed' }] }]],
  ['empty plan is ignored', 'plan:  ; ;', []],
  [
    'host tool with JSON arguments',
    'tool: handoff_thread {"thread": "Fix it", "destination": "gpu"}',
    [{ kind: 'tool', name: 'handoff_thread', json: '{"thread": "Fix it", "destination": "gpu"}' }],
  ],
  ['host tool without arguments', 'tool: handoff_status', [{ kind: 'tool', name: 'handoff_status', json: '{}' }]],
  ['arguments are kept as written, checked at the call', 'tool: handoff_status {oops', [{ kind: 'tool', name: 'handoff_status', json: '{oops' }]],
  ['"tool:" needs a lower_snake_case name', 'tool: Handoff\ntool:\ntool: 1x\ntool: handoff{}', []],
  ['"tool:" only at line start', 'use tool: handoff_status', []],
  ['a tool line inside a quoted block is prose', '```\ntool: handoff_status {}\n```', []],
  [
    'everything, in order',
    'plan: [ ] a\n$ ls\n```write f\n1\n```\nplan: [x] a',
    [
      { kind: 'plan', steps: [{ step: 'a', status: 'pending' }] },
      { kind: 'shell', command: 'ls' },
      { kind: 'write', path: 'f', content: '1\n' },
      { kind: 'plan', steps: [{ step: 'a', status: 'completed' }] },
    ],
  ],
];

describe('parseOfflineMessage', () => {
  it.each(cases)('%s', (_name, input, expected) => {
    expect(parseOfflineMessage(input)).toEqual(expected);
  });
});

describe('parsePlanSteps', () => {
  it.each([
    ['[x] a', [{ step: 'a', status: 'completed' }]],
    ['[] a', [{ step: 'a', status: 'pending' }]],
    ['[?] a', [{ step: '[?] a', status: 'pending' }]],
    ['[x]', []],
  ] as const)('%s', (spec, expected) => {
    expect(parsePlanSteps(spec)).toEqual(expected);
  });
});
