// The prologue both sides feed into the handshake hash (spec §6). Binding the protocol version
// and the server's host id means a handshake recorded for one server or version cannot be
// completed against another: the first encrypted handshake payload fails to decrypt.
//   "baton/noise" (11 ASCII bytes) || 0x00 || version (u8) || len(host id) (u8) || host id (ASCII)
import { TransportError } from './errors.js';

export const PROTOCOL_VERSION = 1;
const MAGIC = Buffer.from('baton/noise', 'ascii');

export function buildPrologue(hostId: string, version = PROTOCOL_VERSION): Buffer {
  if (!/^[0-9a-f]{32}$/.test(hostId)) throw new TransportError('config', `"${hostId}" is not a Baton host id (32 lowercase hex digits).`);
  return Buffer.concat([MAGIC, Buffer.from([0, version, hostId.length]), Buffer.from(hostId, 'ascii')]);
}
