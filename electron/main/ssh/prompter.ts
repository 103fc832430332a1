// The questions an SSH connection may need a person to answer. The desktop UI, the CLI and the
// tests each implement this; the connection code never decides on the user's behalf.

export interface HostKeyQuestion {
  /** The saved host's name or the target, for the dialog title. */
  label: string;
  /** known_hosts name: `host` or `[host]:port`. */
  knownHostsName: string;
  keyType: string;
  /** `SHA256:...`, as `ssh-keygen -l` prints it. */
  fingerprint: string;
  /** Key types already on file for this host (the server presented a different type). */
  otherKnownTypes: string[];
}

export interface SecretQuestion {
  kind: 'passphrase' | 'password' | 'keyboard-interactive';
  label: string;
  /** What to show: "Passphrase for /home/me/.ssh/id_ed25519", the server's own prompt, … */
  message: string;
  /** False for secrets: the UI must not echo the answer. */
  echo: boolean;
  /** 1 for the first ask; > 1 after a wrong answer. */
  attempt: number;
}

export interface SshPrompter {
  /** Unknown host key: resolve true only when the user accepted this fingerprint. */
  confirmHostKey(q: HostKeyQuestion): Promise<boolean>;
  /** A secret or answer; null when the user cancelled. */
  ask(q: SecretQuestion): Promise<string | null>;
}

/** For headless use (tests, `--batch`): accepts nothing and answers nothing. */
export const refusingPrompter: SshPrompter = {
  confirmHostKey: async () => false,
  ask: async () => null,
};
