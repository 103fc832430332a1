// Client authentication in OpenSSH's order: public keys (the agent's, then identity files),
// keyboard-interactive, password. ssh2 calls the handler again after each refusal with the
// methods the server still allows; every method the server offers stays reachable — there is no
// mode that silently skips keyboard-interactive.
import { readFileSync } from 'node:fs';
import { utils, type AnyAuthMethod, type AuthenticationType, type AuthHandlerMiddleware } from 'ssh2';
import type { SshPrompter } from './prompter.js';

export interface AuthPlanInput {
  user: string;
  label: string;
  identityFiles: string[];
  identitiesOnly: boolean;
  /** SSH_AUTH_SOCK, or undefined for no agent. */
  agentSocket: string | undefined;
  prompter: SshPrompter;
  /** Paused while a person is answering, so a slow answer is not a timeout. */
  onPromptStart?: () => void;
  onPromptEnd?: () => void;
}

/** What went wrong with keys on the way, to explain a final refusal precisely. */
export interface AuthNotes {
  badPassphrase: string[];
  unreadableKeys: string[];
  tried: string[];
  cancelled: boolean;
}

const maxPassphraseAttempts = 3;
const maxPasswordAttempts = 3;

export type AuthStep = { kind: 'agent' } | { kind: 'key'; file: string } | { kind: 'keyboard-interactive' } | { kind: 'password'; attempt: number };

/** The SSH method name a step uses, as the server lists it in "methods that can continue". */
export function serverMethodOf(step: AuthStep): string {
  return step.kind === 'agent' || step.kind === 'key' ? 'publickey' : step.kind;
}

/**
 * Every method we may try, in OpenSSH's default PreferredAuthentications order. Keyboard-
 * interactive and password are always in the plan; the server's list decides what is used.
 */
export function planAuthSteps(input: Pick<AuthPlanInput, 'agentSocket' | 'identitiesOnly' | 'identityFiles'>): AuthStep[] {
  const steps: AuthStep[] = [];
  if (input.agentSocket && !input.identitiesOnly) steps.push({ kind: 'agent' });
  for (const file of input.identityFiles) steps.push({ kind: 'key', file });
  steps.push({ kind: 'keyboard-interactive' });
  for (let i = 1; i <= maxPasswordAttempts; i++) steps.push({ kind: 'password', attempt: i });
  return steps;
}

/** Drops steps the server no longer allows (null: not known yet, keep everything). */
export function takeNextStep(steps: AuthStep[], methodsLeft: readonly string[] | null): AuthStep | undefined {
  for (;;) {
    const step = steps.shift();
    if (!step) return undefined;
    if (!methodsLeft || methodsLeft.includes(serverMethodOf(step))) return step;
  }
}

export function makeAuthHandler(input: AuthPlanInput): { handler: AuthHandlerMiddleware; notes: AuthNotes } {
  const notes: AuthNotes = { badPassphrase: [], unreadableKeys: [], tried: [], cancelled: false };
  const steps = planAuthSteps(input);

  const ask: SshPrompter['ask'] = async (q) => {
    input.onPromptStart?.();
    try {
      return await input.prompter.ask(q);
    } finally {
      input.onPromptEnd?.();
    }
  };

  async function loadKey(file: string): Promise<AnyAuthMethod | null> {
    let data: Buffer;
    try {
      data = readFileSync(file);
    } catch (e) {
      // Default identities that do not exist are skipped silently, as ssh does.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') notes.unreadableKeys.push(`${file}: ${(e as Error).message}`);
      return null;
    }
    const plain = utils.parseKey(data);
    if (!(plain instanceof Error)) return { type: 'publickey', username: input.user, key: data };
    if (!/encrypted|passphrase/i.test(plain.message)) {
      notes.unreadableKeys.push(`${file}: ${plain.message}`);
      return null;
    }
    for (let attempt = 1; attempt <= maxPassphraseAttempts; attempt++) {
      const pass = await ask({ kind: 'passphrase', label: input.label, message: `Passphrase for ${file}`, echo: false, attempt });
      if (pass === null) {
        notes.cancelled = true;
        return null;
      }
      const parsed = utils.parseKey(data, pass);
      if (!(parsed instanceof Error)) return { type: 'publickey', username: input.user, key: data, passphrase: pass };
    }
    notes.badPassphrase.push(file);
    return null;
  }

  function keyboardInteractive(): AnyAuthMethod {
    return {
      type: 'keyboard-interactive',
      username: input.user,
      prompt: (name, instructions, _lang, prompts, finish) => {
        void (async () => {
          const answers: string[] = [];
          for (const p of prompts) {
            const message = [name, instructions, p.prompt].filter(Boolean).join('\n');
            const a = await ask({ kind: 'keyboard-interactive', label: input.label, message, echo: !!p.echo, attempt: 1 });
            if (a === null) {
              notes.cancelled = true;
              break;
            }
            answers.push(a);
          }
          finish(answers);
        })();
      },
    };
  }

  const handler: AuthHandlerMiddleware = (methodsLeft, _partial, next) => {
    void (async () => {
      for (;;) {
        // On the first call ssh2 passes null: the server has not said what it allows yet.
        const step = notes.cancelled ? undefined : takeNextStep(steps, methodsLeft);
        if (!step) return next(false as unknown as AuthenticationType);
        if (step.kind === 'agent') {
          notes.tried.push('ssh-agent');
          return next({ type: 'agent', username: input.user, agent: input.agentSocket! });
        }
        if (step.kind === 'key') {
          const m = await loadKey(step.file);
          if (!m) continue;
          notes.tried.push(step.file);
          return next(m);
        }
        if (step.kind === 'keyboard-interactive') {
          notes.tried.push('keyboard-interactive');
          return next(keyboardInteractive());
        }
        const pw = await ask({ kind: 'password', label: input.label, message: `Password for ${input.user}@${input.label}`, echo: false, attempt: step.attempt });
        if (pw === null) {
          notes.cancelled = true;
          continue;
        }
        notes.tried.push('password');
        return next({ type: 'password', username: input.user, password: pw });
      }
    })();
  };
  return { handler, notes };
}
