// Where a test's child process kills itself (kill -9): CRASH_AT=<type>[#<n>]:<before|after>
// names the nth message of a type, counted from 0 in the order this process handles or sends
// them (`part#7:after` is the eighth part chunk, so with small chunks a random byte offset of
// the transfer); without `#<n>` it is the first. `before` dies before the message is handled
// (or sent), `after` once it was handled (or answered) but before anything else happens.
export interface CrashAt {
  type: string;
  nth: number;
  point: 'before' | 'after';
}

export function parseCrashAt(spec: string | undefined): CrashAt | null {
  if (!spec) return null;
  const m = /^([a-z-]+)(?:#(\d+))?:(before|after)$/.exec(spec);
  if (!m) throw new Error(`CRASH_AT="${spec}" is not <message type>[#<n>]:<before|after> (e.g. part#7:after).`);
  return { type: m[1]!, nth: Number(m[2] ?? 0), point: m[3] as 'before' | 'after' };
}

/** Wraps each message's handling (or sending): SIGKILLs this process at the named one. */
export function crashAround(spec: string | undefined): <T>(type: string, f: () => Promise<T>) => Promise<T> {
  const at = parseCrashAt(spec);
  const seen = new Map<string, number>();
  return async (type, f) => {
    const nth = seen.get(type) ?? 0;
    seen.set(type, nth + 1);
    const hit = at !== null && at.type === type && at.nth === nth;
    if (hit && at.point === 'before') process.kill(process.pid, 'SIGKILL');
    const res = await f();
    if (hit && at.point === 'after') process.kill(process.pid, 'SIGKILL');
    return res;
  };
}
