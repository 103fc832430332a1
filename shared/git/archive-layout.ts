// Where each part of a `.baton` archive lives, decided from the header and the file size alone,
// so a reader refuses a truncated, padded or oversized file before it hashes or writes anything.
// Byte layout (PROTOCOL.md §3):
//   magic(8) | headerLength: uint32 BE (4) | header JSON (headerLength) | parts… | SHA-256 of all before (32)
import type { ArchiveHeader, ArchivePartName } from '../contracts/snapshot';

/** "BATONAR" followed by the format version byte 0x01. */
export const ARCHIVE_MAGIC = [0x42, 0x41, 0x54, 0x4f, 0x4e, 0x41, 0x52, 0x01] as const;
export const ARCHIVE_PREFIX_BYTES = 12;
export const ARCHIVE_TRAILER_BYTES = 32;
export const MAX_HEADER_BYTES = 1024 * 1024;

export type LayoutError = { code: 'archive-invalid' | 'archive-truncated' | 'archive-too-large'; message: string };

export function checkPrefix(prefix: ArrayLike<number>, fileSize: number): LayoutError | { headerLength: number } {
  if (fileSize < ARCHIVE_PREFIX_BYTES) {
    return { code: 'archive-truncated', message: `The file is ${fileSize} bytes, shorter than an archive's fixed prefix.` };
  }
  for (let i = 0; i < ARCHIVE_MAGIC.length; i++) {
    if (prefix[i] !== ARCHIVE_MAGIC[i]) return { code: 'archive-invalid', message: 'This is not a Baton archive (bad magic bytes), or it is a newer format version.' };
  }
  const headerLength = ((prefix[8]! << 24) >>> 0) + (prefix[9]! << 16) + (prefix[10]! << 8) + prefix[11]!;
  if (headerLength === 0 || headerLength > MAX_HEADER_BYTES) {
    return { code: 'archive-invalid', message: `The header length ${headerLength} is outside 1..${MAX_HEADER_BYTES}.` };
  }
  return { headerLength };
}

export interface PartRange {
  name: ArchivePartName;
  offset: number;
  size: number;
  sha256: string;
}

export function layoutParts(
  header: ArchiveHeader,
  headerLength: number,
  fileSize: number,
  maxBytes: number,
): LayoutError | { parts: PartRange[]; trailerOffset: number } {
  let offset = ARCHIVE_PREFIX_BYTES + headerLength;
  const parts: PartRange[] = [];
  for (const p of header.parts) {
    parts.push({ name: p.name, offset, size: p.size, sha256: p.sha256 });
    offset += p.size;
  }
  const expected = offset + ARCHIVE_TRAILER_BYTES;
  if (expected > maxBytes) {
    return { code: 'archive-too-large', message: `The archive declares ${expected} bytes, over the ${maxBytes}-byte limit.` };
  }
  if (fileSize < expected) {
    return { code: 'archive-truncated', message: `The archive is ${fileSize} bytes but its header declares ${expected}; it was cut short.` };
  }
  if (fileSize > expected) {
    return { code: 'archive-invalid', message: `The archive has ${fileSize - expected} unexpected bytes after its last part.` };
  }
  return { parts, trailerOffset: offset };
}
