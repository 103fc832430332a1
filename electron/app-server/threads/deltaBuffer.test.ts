import { describe, expect, it } from 'vitest';
import type { ThreadEventBody } from '../../../shared/contracts/events';
import { DeltaBuffer } from './deltaBuffer';

type Delta = Extract<ThreadEventBody, { kind: 'item_delta' }>;

describe('DeltaBuffer', () => {
  it('joins chunks of one item into one write after the delay', async () => {
    const written: Delta[] = [];
    const b = new DeltaBuffer(async (d) => void written.push(d), 20);
    for (let i = 0; i < 100; i++) await b.add('i1', 'output', `${i}\n`);
    expect(written).toEqual([]);
    await new Promise((r) => setTimeout(r, 60));
    expect(written).toHaveLength(1);
    expect(written[0]!.chunk.split('\n')).toHaveLength(101);
  });

  it('writes at once past maxBytes, and keeps items apart in order', async () => {
    const written: Delta[] = [];
    const b = new DeltaBuffer(async (d) => void written.push(d), 10_000, 10);
    await b.add('a', 'output', '12345');
    await b.add('a', 'output', '67890');
    expect(written.map((d) => d.chunk)).toEqual(['1234567890']);
    await b.add('a', 'output', 'x');
    await b.add('b', 'text', 'y');
    await b.flush();
    expect(written.map((d) => [d.itemId, d.field, d.chunk])).toEqual([
      ['a', 'output', '1234567890'],
      ['a', 'output', 'x'],
      ['b', 'text', 'y'],
    ]);
  });

  it('reports a failed timed flush on the next call', async () => {
    const b = new DeltaBuffer(async () => {
      throw new Error('fenced');
    }, 5);
    await b.add('a', 'output', 'x');
    await new Promise((r) => setTimeout(r, 30));
    await expect(b.add('a', 'output', 'y')).rejects.toThrow('fenced');
  });
});
