// Errors of capture, transfer and restore, written for the person who has to act on them:
// what happened, where, and what to do. `code` is from shared/contracts/snapshot.ts so the UI and
// the CLI render them the same way.
import type { GitStateErrorCode } from '../../../shared/contracts/snapshot';

export class GitStateError extends Error {
  constructor(
    readonly code: GitStateErrorCode,
    message: string,
    readonly hint: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'GitStateError';
  }
}
