import { describe, expect, it } from 'vitest';
import { chooseNode, parseProbeOutput } from './node-probe.js';

describe('parseProbeOutput', () => {
  it('keeps only probe lines, ignoring shell noise', () => {
    const out = 'Welcome to host!\nBATON_NODE /usr/bin/node v20.11.1\nstty: not a tty\nBATON_NODE /home/a/.nvm/versions/node/v22.3.0/bin/node v22.3.0\nBATON_NODE /x/node garbage\n';
    expect(parseProbeOutput(out)).toEqual([
      { path: '/usr/bin/node', version: 'v20.11.1', major: 20 },
      { path: '/home/a/.nvm/versions/node/v22.3.0/bin/node', version: 'v22.3.0', major: 22 },
    ]);
  });
});

describe('chooseNode', () => {
  const c = (path: string, version: string) => ({ path, version, major: Number(version.slice(1).split('.')[0]) });
  it.each([
    ['none found', [], null],
    ['only too old', [c('/usr/bin/node', 'v18.19.0')], null],
    ['one good', [c('/usr/bin/node', 'v20.0.0')], '/usr/bin/node'],
    ['newest wins', [c('/usr/bin/node', 'v20.1.0'), c('/n/22/node', 'v22.0.0'), c('/n/21/node', 'v21.9.9')], '/n/22/node'],
    ['tie keeps probe order', [c('/a/node', 'v20.5.0'), c('/b/node', 'v20.5.0')], '/a/node'],
    ['minor and patch compare numerically', [c('/a/node', 'v20.9.0'), c('/b/node', 'v20.10.0')], '/b/node'],
    ['old ones skipped', [c('/old/node', 'v16.0.0'), c('/new/node', 'v20.0.0')], '/new/node'],
  ])('%s', (_name, cands, expected) => {
    const r = chooseNode(cands, 'gpu-box');
    if (expected === null) {
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.message).toMatch(/Node.js 20 or newer was not found on gpu-box/);
        expect(r.hint).toMatch(/Install Node.js 20\+/);
      }
    } else {
      expect(r.ok && r.node.path).toBe(expected);
    }
  });
  it('names what it found when everything is too old', () => {
    const r = chooseNode([c('/usr/bin/node', 'v18.19.0')], 'h');
    expect(!r.ok && r.message).toMatch(/Found only: \/usr\/bin\/node v18.19.0/);
  });
});
