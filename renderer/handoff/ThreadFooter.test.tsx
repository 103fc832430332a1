// @vitest-environment happy-dom
// The footer during and after a move, driven by the pushes the main process sends (validated by
// the bridge contract on arrival): stage and bytes on a progress bar, then the new location, or
// the reason and that nothing was lost.
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BridgeHandoffStatus } from '../../shared/contracts/bridge';
import { createBridgeClient, type BridgeTransport } from '../bridge/client';
import { createStores, StoresProvider, type Stores } from '../state/context';
import { ThreadFooter } from './ThreadFooter';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

let push: (envelope: unknown) => void;
let requests: Array<{ method: string; payload: unknown }>;
let stores: Stores;
let container: HTMLDivElement;
let root: Root;

// The main process, as far as this footer needs one: it answers reads with empty lists and
// records what was asked; pushes are sent by the test.
const transport: BridgeTransport = {
  async request(env) {
    requests.push({ method: env.method, payload: env.payload });
    const empty: Record<string, unknown> = { 'hosts/list': { hosts: [] }, 'threads/list': { threads: [] }, 'projects/list': { projects: [] } };
    if (env.method in empty) return { id: env.id, ok: true, result: empty[env.method] };
    return { id: env.id, ok: false, error: { code: 'not-found', message: `Thread t1 is not known.` } };
  },
  onPush(l) {
    push = l;
  },
};

const status = (over: Partial<BridgeHandoffStatus>): BridgeHandoffStatus => ({
  host: 'local',
  operationId: 'op-12345678',
  threadId: 't1',
  from: 'local',
  destination: 'gpu',
  stage: 'transferring',
  state: 'running',
  bytesDone: 1024 * 1024,
  bytesTotal: 4 * 1024 * 1024,
  ...over,
});

beforeEach(() => {
  requests = [];
  stores = createStores(createBridgeClient(transport));
  container = document.createElement('div');
  document.body.appendChild(container);
  root = createRoot(container);
  act(() =>
    root.render(
      <StoresProvider stores={stores}>
        <ThreadFooter host="local" thread="t1" readOnly={false} />
      </StoresProvider>,
    ),
  );
});
afterEach(() => {
  act(() => root.unmount());
  container.remove();
});

const send = async (s: BridgeHandoffStatus) => {
  await act(async () => push({ push: 'handoff/progress', payload: s }));
};

describe('ThreadFooter', () => {
  it('shows where the thread runs as the menu button', () => {
    const button = container.querySelector('button[aria-haspopup="menu"]')!;
    expect(button.getAttribute('aria-label')).toBe('Run location: This computer');
    expect(button.getAttribute('aria-expanded')).toBe('false');
  });

  it('shows stage and bytes during a move, and locks the location button', async () => {
    await send(status({}));
    const bar = container.querySelector('progress')!;
    expect(bar.getAttribute('aria-label')).toBe('Handoff progress');
    expect(bar.value).toBeCloseTo(0.25);
    expect(container.textContent).toContain('Transferring → gpu · 1.0 MiB of 4.0 MiB');
    expect((container.querySelector('button[aria-haspopup="menu"]') as HTMLButtonElement).disabled).toBe(true);
  });

  it('on success says where the thread went and follows it there', async () => {
    await send(status({}));
    await send(status({ stage: 'done', state: 'moved', bytesDone: 4 * 1024 * 1024 }));
    expect(container.querySelector('progress')).toBeNull();
    expect(container.querySelector('[role="status"]')!.textContent).toContain('Handed off to gpu.');
    // The store opens the thread on its new host.
    await act(async () => new Promise((r) => setTimeout(r, 10)));
    expect(requests.some((r) => r.method === 'thread/read' && (r.payload as { host: string }).host === 'gpu')).toBe(true);
  });

  it('on failure gives the reason and says nothing was lost', async () => {
    await send(status({}));
    await send(status({ stage: 'aborted', state: 'aborted', error: { code: 'peer-unreachable', message: 'Host "gpu" cannot be reached (connection reset).' } }));
    const text = container.querySelector('[role="status"]')!.textContent!;
    expect(text).toContain('Handoff failed: Host "gpu" cannot be reached (connection reset).');
    expect(text).toContain('Nothing was lost: the thread is still on This computer, intact.');
  });

  it('when the other host stops answering, says it will finish by itself', async () => {
    await send(status({}));
    await send(status({ stage: 'applying', state: 'in-doubt' }));
    expect(container.querySelector('progress')).toBeNull();
    const text = container.querySelector('[role="status"]')!.textContent!;
    expect(text).toContain('Handoff waiting: The other host stopped answering');
    expect(text).toContain('finishes by itself when both hosts can talk again');
  });

  it('ignores a push that does not match the contract', async () => {
    await act(async () => push({ push: 'handoff/progress', payload: { operationId: 'x', stage: 'teleporting' } }));
    expect(container.querySelector('progress')).toBeNull();
  });
});
