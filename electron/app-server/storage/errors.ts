// Storage failures a person can act on. Each names the file and says what to do.

export class StorageCorruptError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    reason: string,
  ) {
    super(
      `${file}:${line} is corrupt (${reason}). Baton did not change the file. Move the line out of the way or restore the file from a backup, then retry.`,
    );
    this.name = 'StorageCorruptError';
  }
}

export class ThreadLockedError extends Error {
  constructor(
    readonly threadId: string,
    readonly pid: number,
  ) {
    super(
      `Thread ${threadId} is being written by another Baton process${pid > 0 ? ` (pid ${pid})` : ''}. Send the command through that process (a running \`baton serve\` is used automatically), or stop it first.`,
    );
    this.name = 'ThreadLockedError';
  }
}

export class ThreadNotFoundError extends Error {
  constructor(readonly threadId: string) {
    super(`There is no thread "${threadId}" on this host. Run \`baton thread list\` to see the threads here.`);
    this.name = 'ThreadNotFoundError';
  }
}
