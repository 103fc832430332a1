// The handoff flow as the footer drives it: open the picker (destinations with reasons), choose a
// host (review from `handoff/prepare`), Hand off (progress pushed by the owning host) or Cancel.
// Every failure is shown with its reason and the fact that the thread stayed where it was.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { BridgeHandoffStatus, HandoffReview } from '../../shared/contracts/bridge';
import { errorText, type BridgeClient } from '../bridge/client';
import { pickerEntries, type PickerEntry } from './picker';

export interface ReviewState {
  host: string;
  thread: string;
  destination: string;
  destinationLabel: string;
  loading: boolean;
  review: HandoffReview | null;
  error: { message: string; hint?: string } | null;
  starting: boolean;
  /** The destination preparing itself while the review is open (objects, worktree checkout). */
  prestage?: { state: 'running' | 'ready' | 'failed'; bytes?: number };
}

/** How often the open review asks whether the destination is ready. */
const PRESTAGE_POLL_MS = 300;

export interface HandoffState {
  menu: { host: string; thread: string; loading: boolean; entries: PickerEntry[]; error: string | null } | null;
  review: ReviewState | null;
  progress: BridgeHandoffStatus | null;
  /** How the last handoff ended, for the banner in the thread view. */
  outcome: { kind: 'moved'; to: string } | { kind: 'failed' | 'waiting'; message: string; hint?: string } | null;

  openMenu(host: string, thread: string): Promise<void>;
  closeMenu(): void;
  choose(entry: PickerEntry): Promise<void>;
  cancelReview(): Promise<void>;
  handOff(): Promise<void>;
  clearOutcome(): void;
}

export type HandoffStore = StoreApi<HandoffState>;

export function createHandoffStore(client: BridgeClient, onMoved: (threadId: string, to: string) => void): HandoffStore {
  return createStore<HandoffState>()((set, get) => {
    client.on('handoff/progress', (status) => {
      set({ progress: status });
      if (status.state === 'moved') {
        set({ outcome: { kind: 'moved', to: status.destination }, progress: null, review: null });
        onMoved(status.threadId, status.destination);
      } else if (status.state === 'in-doubt') {
        // The decision is known to the source but the other host cannot be told now: recovery
        // finishes it when both can talk again.
        set({
          progress: null,
          outcome: {
            kind: 'waiting',
            message: status.error?.message ?? 'The other host stopped answering during the handoff.',
            hint: 'It finishes by itself when both hosts can talk again; the thread ends up live on exactly one of them, nothing is lost.',
          },
        });
      } else if (status.state === 'aborted') {
        set({
          progress: null,
          outcome: {
            kind: 'failed',
            message: status.error?.message ?? 'The handoff was stopped.',
            hint: `Nothing was lost: the thread is still on ${status.from === 'local' ? 'This computer' : status.from}, intact.`,
          },
        });
      }
    });

    /** Follows pre-staging of the open review until it is ready or failed, or the review closes. */
    async function followPrestage(operationId: string): Promise<void> {
      for (;;) {
        const r = get().review;
        if (!r?.review || r.review.operationId !== operationId || r.starting) return;
        let status;
        try {
          status = await client.call('handoff/status', { host: r.host, thread: r.thread, operationId });
        } catch {
          return; // the review itself still stands; Hand off works without knowing
        }
        const now = get().review;
        if (!now?.review || now.review.operationId !== operationId) return;
        if (status.prestage) set({ review: { ...now, prestage: { state: status.prestage, ...(status.prestageBytes !== undefined ? { bytes: status.prestageBytes } : {}) } } });
        if (status.prestage !== 'running') return;
        await new Promise((res) => setTimeout(res, PRESTAGE_POLL_MS));
      }
    }

    return {
      menu: null,
      review: null,
      progress: null,
      outcome: null,

      async openMenu(host, thread) {
        set({ menu: { host, thread, loading: true, entries: [], error: null } });
        try {
          const { destinations } = await client.call('handoff/destinations', { host, thread });
          if (get().menu?.thread === thread) set({ menu: { host, thread, loading: false, entries: pickerEntries(destinations), error: null } });
        } catch (e) {
          if (get().menu?.thread === thread) set({ menu: { host, thread, loading: false, entries: [], error: errorText(e).message } });
        }
      },
      closeMenu() {
        set({ menu: null });
      },
      async choose(entry) {
        const menu = get().menu;
        if (!menu || !entry.selectable) return;
        const base: ReviewState = { host: menu.host, thread: menu.thread, destination: entry.host, destinationLabel: entry.label, loading: true, review: null, error: null, starting: false };
        set({ menu: null, review: base, outcome: null });
        try {
          const { review } = await client.call('handoff/prepare', { host: menu.host, thread: menu.thread, to: entry.host });
          if (get().review?.destination === entry.host) {
            set({ review: { ...base, loading: false, review } });
            void followPrestage(review.operationId);
          }
        } catch (e) {
          if (get().review?.destination === entry.host) set({ review: { ...base, loading: false, error: errorText(e) } });
        }
      },
      async cancelReview() {
        const r = get().review;
        set({ review: null });
        // A prepared operation is cancelled so its pre-staged worktree can be reused or expire.
        if (r?.review) await client.call('handoff/cancel', { host: r.host, thread: r.thread, operationId: r.review.operationId }).catch(() => undefined);
      },
      async handOff() {
        const r = get().review;
        if (!r?.review || r.starting) return;
        set({ review: { ...r, starting: true } });
        try {
          await client.call('handoff/start', { host: r.host, thread: r.thread, operationId: r.review.operationId });
          set({ review: null });
        } catch (e) {
          const err = errorText(e);
          set({ review: null, outcome: { kind: 'failed', message: err.message, hint: err.hint ?? 'Nothing was lost: the thread is still where it was, intact.' } });
        }
      },
      clearOutcome() {
        set({ outcome: null });
      },
    };
  });
}
