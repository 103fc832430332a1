// One error type for everything the secure channel refuses, so the CLI and the UI render
// `message` and `hint` the same way and callers branch on `code`, never on text.
export type TransportErrorCode =
  | 'identity-unsafe' // a key file is readable by others
  | 'identity-corrupt' // a key file or key store cannot be parsed
  | 'insecure-url' // ws:// to a non-loopback host
  | 'unauthorized' // bearer token missing or wrong (HTTP 401)
  | 'client-not-authorized' // client static key is not on the server's allow-list
  | 'host-key-changed' // known_servers holds a different key for this address
  | 'handshake-failed' // a Noise handshake message did not decrypt or parse
  | 'handshake-timeout'
  | 'replay' // a handshake message 1 we have already accepted
  | 'protocol' // a frame that breaks the framing rules
  | 'decrypt-failed' // a transport message failed authentication (tampered, replayed, reordered)
  | 'nonce-exhausted'
  | 'message-too-large'
  | 'truncated' // the connection ended without an authenticated close
  | 'closed'
  | 'config'
  | 'relay';

export class TransportError extends Error {
  readonly code: TransportErrorCode;
  readonly hint: string;
  constructor(code: TransportErrorCode, message: string, hint = '') {
    super(message);
    this.name = 'TransportError';
    this.code = code;
    this.hint = hint;
  }
}
