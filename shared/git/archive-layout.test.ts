import { describe, expect, it } from 'vitest';
import { ARCHIVE_MAGIC, checkPrefix, layoutParts } from './archive-layout';
import type { ArchiveHeader } from '../contracts/snapshot';

const h = 'a'.repeat(64);
const header: ArchiveHeader = {
  format: 'baton-archive',
  version: 1,
  thread: 't1',
  createdAt: '2026-11-24T12:00:00.000Z',
  parts: [
    { name: 'manifest', size: 10, sha256: h },
    { name: 'events', size: 20, sha256: h },
    { name: 'pack', size: 30, sha256: h },
  ],
};
const prefix = (len: number) => [...ARCHIVE_MAGIC, (len >>> 24) & 255, (len >>> 16) & 255, (len >>> 8) & 255, len & 255];

describe('checkPrefix', () => {
  const cases: [string, number[], number, string | number][] = [
    ['valid', prefix(100), 1000, 100],
    ['too short', prefix(100).slice(0, 5), 5, 'archive-truncated'],
    ['bad magic', [0, ...prefix(100).slice(1)], 1000, 'archive-invalid'],
    ['newer version', [...ARCHIVE_MAGIC.slice(0, 7), 2, 0, 0, 0, 100], 1000, 'archive-invalid'],
    ['zero header', prefix(0), 1000, 'archive-invalid'],
    ['huge header', prefix(0xffffffff), 1000, 'archive-invalid'],
  ];
  it.each(cases)('%s', (_n, bytes, size, expected) => {
    const r = checkPrefix(bytes, size);
    if (typeof expected === 'number') expect(r).toEqual({ headerLength: expected });
    else expect(r).toMatchObject({ code: expected });
  });
});

describe('layoutParts', () => {
  const exact = 12 + 100 + 60 + 32;
  const cases: [string, number, number, string | null][] = [
    ['exact size', exact, 1 << 20, null],
    ['truncated', exact - 1, 1 << 20, 'archive-truncated'],
    ['trailing bytes', exact + 1, 1 << 20, 'archive-invalid'],
    ['over the cap', exact, exact - 1, 'archive-too-large'],
  ];
  it.each(cases)('%s', (_n, fileSize, cap, code) => {
    const r = layoutParts(header, 100, fileSize, cap);
    if (code === null) {
      expect(r).toMatchObject({
        trailerOffset: 12 + 100 + 60,
        parts: [
          { name: 'manifest', offset: 112, size: 10 },
          { name: 'events', offset: 122, size: 20 },
          { name: 'pack', offset: 142, size: 30 },
        ],
      });
    } else expect(r).toMatchObject({ code });
  });
});
