// @vitest-environment happy-dom
// The review dialog renders what will move (validated against the handoff contract), offers
// Hand off only once a review arrived, and Cancel/Escape leave without a handoff.
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HandoffReview } from '../../shared/contracts/handoff';
import { ReviewDialog } from './ReviewDialog';
import type { ReviewState } from './store';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const review = HandoffReview.parse({
  operationId: 'op-12345678',
  threadId: 't1',
  from: 'local',
  destination: 'gpu',
  branch: 'feature/login',
  headCommit: 'a'.repeat(40),
  worktree: { path: '/home/ana/.baton/worktrees/acme/t1', reused: true },
  commits: [{ sha: 'b'.repeat(40), subject: 'Add login form' }],
  commitsTruncated: false,
  files: [
    { path: 'src/login.ts', state: 'unstaged', change: 'modified' },
    { path: 'notes.txt', state: 'untracked', change: 'added' },
  ],
  ignoredLeftBehind: ['node_modules/', '.env'],
  ignoredTruncated: false,
  transcript: { events: 120, items: 80 },
  tip: 'fast-forward',
  warnings: [{ code: 'agents-md-differs', message: 'AGENTS.md differs between the two checkouts.' }],
  willInterrupt: true,
});

const base: ReviewState = { host: 'local', thread: 't1', destination: 'gpu', destinationLabel: 'gpu', loading: false, review, error: null, starting: false };

let container: HTMLDivElement;
let root: Root;
beforeEach(() => {
  container = document.createElement('div');
  document.body.appendChild(container);
  root = createRoot(container);
});
afterEach(() => {
  act(() => root.unmount());
  container.remove();
});

const button = (name: string) => [...container.querySelectorAll('button')].find((b) => b.textContent === name)!;

describe('ReviewDialog', () => {
  it('shows destination, branch, worktree, commits, files, what stays behind and warnings', () => {
    act(() => root.render(<ReviewDialog state={base} onHandOff={() => {}} onCancel={() => {}} />));
    const dialog = container.querySelector('[role="dialog"]')!;
    expect(dialog.getAttribute('aria-label')).toBe('Review handoff');
    const text = dialog.textContent!;
    for (const s of ['gpu', 'feature/login', 'destination fast-forwards', 'Reused', '/home/ana/.baton/worktrees/acme/t1', 'bbbbbbbb', 'Add login form', 'src/login.ts', 'notes.txt', 'node_modules/', '.env', '80 items', 'AGENTS.md differs', 'running turn will be interrupted']) {
      expect(text).toContain(s);
    }
  });

  it.each([
    [{ state: 'running', bytes: 3 * 1024 * 1024 }, 'Preparing gpu: taking in the files and checking out the worktree (3.0 MiB)…'],
    [{ state: 'ready', bytes: 2048 }, 'gpu is ready (2 KiB): Hand off moves only what changes from here.'],
    [{ state: 'failed' }, 'gpu could not prepare ahead; Hand off moves everything'],
  ] as const)('says how far the destination has prepared (%o); Hand off is offered all along', (prestage, text) => {
    act(() => root.render(<ReviewDialog state={{ ...base, prestage }} onHandOff={() => {}} onCancel={() => {}} />));
    expect(container.querySelector('[aria-label="Destination readiness"]')!.textContent).toContain(text);
    expect(button('Hand off').disabled).toBe(false);
  });

  it('Hand off and Cancel call back; Escape cancels', () => {
    const onHandOff = vi.fn();
    const onCancel = vi.fn();
    act(() => root.render(<ReviewDialog state={base} onHandOff={onHandOff} onCancel={onCancel} />));
    act(() => button('Hand off').click());
    expect(onHandOff).toHaveBeenCalledTimes(1);
    act(() => button('Cancel').click());
    expect(onCancel).toHaveBeenCalledTimes(1);
    act(() => {
      container.querySelector('[role="dialog"]')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    });
    expect(onCancel).toHaveBeenCalledTimes(2);
  });

  it('offers no Hand off while preparing, or when preparing failed, and says nothing changed', () => {
    act(() => root.render(<ReviewDialog state={{ ...base, loading: true, review: null }} onHandOff={() => {}} onCancel={() => {}} />));
    expect(button('Hand off').disabled).toBe(true);
    expect(container.textContent).toContain('Preparing the review');
    act(() =>
      root.render(
        <ReviewDialog state={{ ...base, review: null, error: { message: 'Handoff is not available in this build yet.', hint: 'The coordinator has not landed.' } }} onHandOff={() => {}} onCancel={() => {}} />,
      ),
    );
    expect(button('Hand off').disabled).toBe(true);
    expect(container.querySelector('[role="alert"]')!.textContent).toContain('Nothing has changed: the thread stays where it is.');
  });

  it('disables Hand off once started, so one click starts one handoff', () => {
    act(() => root.render(<ReviewDialog state={{ ...base, starting: true }} onHandOff={() => {}} onCancel={() => {}} />));
    expect(button('Hand off').disabled).toBe(true);
  });
});
