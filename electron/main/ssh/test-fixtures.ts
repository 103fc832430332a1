// Shared setup for the SSH tests: a prompter that records what it was asked and answers from a
// script, and a helper to build ResolvedSshOptions for the harness's loopback sshd.
import type { ResolvedSshOptions } from '../../../shared/contracts/hosts.js';
import type { HostKeyQuestion, SecretQuestion, SshPrompter } from './prompter.js';

export interface RecordingPrompter extends SshPrompter {
  hostKeyQuestions: HostKeyQuestion[];
  secretQuestions: SecretQuestion[];
}

export function recordingPrompter(opts: { acceptHostKeys?: boolean; answers?: Partial<Record<SecretQuestion['kind'], string>> } = {}): RecordingPrompter {
  const p: RecordingPrompter = {
    hostKeyQuestions: [],
    secretQuestions: [],
    async confirmHostKey(q) {
      p.hostKeyQuestions.push(q);
      return opts.acceptHostKeys ?? true;
    },
    async ask(q) {
      p.secretQuestions.push(q);
      return opts.answers?.[q.kind] ?? null;
    },
  };
  return p;
}

export function loopbackOptions(port: number, user: string, extra: Partial<ResolvedSshOptions> = {}): ResolvedSshOptions {
  return {
    hostName: '127.0.0.1', port, user, identityFiles: [], identitiesOnly: false, proxyJump: [],
    serverAliveInterval: 0, serverAliveCountMax: 3, ...extra,
  };
}
