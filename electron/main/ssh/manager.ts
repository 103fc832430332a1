// One host's SSH connection over time: connect, watch it (keepalives from ServerAliveInterval
// end a silent connection), and after a drop reconnect with capped, jittered backoff. Only
// network failures are retried — a refused key, a wrong passphrase or a changed host key needs
// the user, and retrying those would be a storm of failed logins.
import { EventEmitter } from 'node:events';
import type { HostStatus, ResolvedSshOptions } from '../../../shared/contracts/hosts.js';
import { defaultBackoff, nextBackoffDelay, type BackoffPolicy } from '../../../shared/ssh/backoff.js';
import { connectSsh, type ConnectInput, type SshConnection } from './connect.js';
import { isRetryable, SshError } from './errors.js';

export interface HostConnectionOptions extends Omit<ConnectInput, 'options'> {
  /** Called before every attempt, so ~/.ssh/config edits apply on reconnect. */
  resolve: () => ResolvedSshOptions;
  backoff?: BackoffPolicy;
  random?: () => number;
}

export interface HostConnectionEvents {
  status: [HostStatus];
  /** A (re)established connection; listeners re-open forwards and catch up from here. */
  connected: [SshConnection];
}

export class HostConnection extends EventEmitter<HostConnectionEvents> {
  private conn: SshConnection | undefined;
  private current: HostStatus = { state: 'disconnected' };
  private stopped = true;
  private timer: NodeJS.Timeout | undefined;
  private lastDelay: number | undefined;
  private attempt = 0;
  private connecting: Promise<SshConnection> | undefined;

  constructor(private readonly opts: HostConnectionOptions) {
    super();
  }

  get status(): HostStatus {
    return this.current;
  }

  get connection(): SshConnection | undefined {
    return this.conn;
  }

  /**
   * Connects once. Rejects with an SshError if this first attempt fails (callers such as
   * `baton host test` want the error, not a retry loop); after a success, drops are retried.
   */
  start(): Promise<SshConnection> {
    if (this.conn) return Promise.resolve(this.conn);
    if (this.connecting) return this.connecting;
    this.stopped = false;
    this.connecting = this.tryConnect(true).finally(() => { this.connecting = undefined; });
    return this.connecting;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    const c = this.conn;
    this.conn = undefined;
    c?.close();
    this.setStatus({ state: 'disconnected' });
  }

  private setStatus(s: HostStatus): void {
    this.current = s;
    this.emit('status', s);
  }

  private async tryConnect(initial: boolean): Promise<SshConnection> {
    this.attempt += 1;
    this.setStatus({ state: 'connecting', attempt: this.attempt });
    let conn: SshConnection;
    try {
      conn = await connectSsh({ ...this.opts, options: this.opts.resolve() });
    } catch (e) {
      const err = e instanceof SshError ? e : new SshError('disconnected', (e as Error).message);
      // A reconnect's failure is reported by scheduleRetry, with when it will try again.
      if (initial) this.setStatus({ state: 'error', error: err.toInfo() });
      throw err;
    }
    if (this.stopped) {
      conn.close();
      throw new SshError('disconnected', 'The connection was stopped while it was being opened.');
    }
    this.conn = conn;
    this.attempt = 0;
    this.lastDelay = undefined;
    this.setStatus({ state: 'connected', hostKeyFingerprint: conn.hostKeyFingerprint });
    this.emit('connected', conn);
    void conn.closed.then(() => this.onDrop(conn));
    return conn;
  }

  private onDrop(conn: SshConnection): void {
    if (this.conn !== conn || this.stopped) return;
    this.conn = undefined;
    this.scheduleRetry(new SshError('disconnected', `The SSH connection to ${this.opts.label} was lost.`, 'Baton reconnects by itself; remote turns keep running meanwhile.'));
  }

  private scheduleRetry(err: SshError): void {
    if (this.stopped) return;
    if (!isRetryable(err.code)) {
      this.stopped = true;
      this.setStatus({ state: 'error', error: err.toInfo() });
      return;
    }
    const delay = nextBackoffDelay(this.lastDelay, (this.opts.random ?? Math.random)(), this.opts.backoff ?? defaultBackoff);
    this.lastDelay = delay;
    this.setStatus({ state: 'error', error: err.toInfo(), retryInMs: delay });
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.stopped) return;
      this.tryConnect(false).catch((e: SshError) => this.scheduleRetry(e));
    }, delay);
  }
}
