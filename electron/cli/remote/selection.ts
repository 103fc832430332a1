// The global `--remote` / `--remote-auth-token-env` options, recorded once by main.ts before a
// command runs and read by openSession: every command that talks to an app-server honours them
// without knowing about them.
export interface RemoteSelection {
  /** What --remote named: a URL, unix://PATH or a saved host name. */
  remote: string;
  /** --remote-auth-token-env: the environment variable holding the bearer token. */
  tokenEnv?: string;
}

let current: RemoteSelection | null = null;

export function selectRemote(selection: RemoteSelection | null): void {
  current = selection;
}

export function selectedRemote(): RemoteSelection | null {
  return current;
}
