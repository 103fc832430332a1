// One error type for everything SSH: a code the UI and CLI switch on, a message saying what
// happened and where, and a hint saying what to do.
import type { SshErrorCode, SshErrorInfo } from '../../../shared/contracts/hosts.js';

export class SshError extends Error {
  readonly code: SshErrorCode;
  readonly hint?: string;
  constructor(code: SshErrorCode, message: string, hint?: string) {
    super(message);
    this.name = 'SshError';
    this.code = code;
    if (hint !== undefined) this.hint = hint;
  }
  toInfo(): SshErrorInfo {
    return { code: this.code, message: this.message, ...(this.hint !== undefined ? { hint: this.hint } : {}) };
  }
}

/** Errors a reconnect loop may retry; the rest need the user (a key, a password, a decision). */
export function isRetryable(code: SshErrorCode): boolean {
  return code === 'unreachable' || code === 'timeout' || code === 'disconnected' || code === 'proxy-jump';
}
