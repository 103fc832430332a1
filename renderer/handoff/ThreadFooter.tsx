// The thread footer: where the thread runs, as a button that opens the destination menu. Eligible
// hosts are choices; the others are greyed with their reason. During a move: a progress bar with
// the stage and bytes. After: where it went, or why it did not and that nothing was lost.
import { useEffect, useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { hostLabel } from '../components/labels';
import { useApp, useHandoff } from '../state/context';
import { formatBytes, progressFraction, stageLabels, type PickerEntry } from './picker';
import { ReviewDialog } from './ReviewDialog';

export function ThreadFooter({ host, thread, readOnly }: { host: string; thread: string; readOnly: boolean }) {
  const hosts = useApp((s) => s.hosts);
  const { menu, review, progress, outcome } = useHandoff(useShallow((s) => ({ menu: s.menu, review: s.review, progress: s.progress, outcome: s.outcome })));
  const { openMenu, closeMenu, choose, cancelReview, handOff, clearOutcome } = useHandoff(
    useShallow((s) => ({ openMenu: s.openMenu, closeMenu: s.closeMenu, choose: s.choose, cancelReview: s.cancelReview, handOff: s.handOff, clearOutcome: s.clearOutcome })),
  );
  const location = hostLabel(host, hosts);
  const open = menu?.thread === thread;
  const mine = progress?.threadId === thread ? progress : null;

  return (
    <footer className="thread-footer">
      <div className="footer-row">
        <span className="muted small">Runs on</span>
        <div className="menu-anchor">
          <button
            type="button"
            className="location-button"
            aria-label={`Run location: ${location}`}
            aria-haspopup="menu"
            aria-expanded={open}
            disabled={readOnly || mine !== null}
            onClick={() => (open ? closeMenu() : void openMenu(host, thread))}
          >
            <span className="location-dot" aria-hidden="true" /> {location} <span aria-hidden="true">▾</span>
          </button>
          {open && menu && <LocationMenu entries={menu.entries} loading={menu.loading} error={menu.error} onChoose={(e) => void choose(e)} onClose={closeMenu} />}
        </div>
        {outcome && (
          <div className={`footer-outcome ${outcome.kind}`} role="status">
            {outcome.kind === 'moved' ? (
              <span>Handed off to {hostLabel(outcome.to, hosts)}.</span>
            ) : outcome.kind === 'waiting' ? (
              <span>
                Handoff waiting: {outcome.message} {outcome.hint}
              </span>
            ) : (
              <span>
                Handoff failed: {outcome.message} {outcome.hint}
              </span>
            )}
            <button type="button" className="small-button" onClick={clearOutcome} aria-label="Dismiss">
              ×
            </button>
          </div>
        )}
      </div>
      {mine && (
        <div className="handoff-progress">
          <div className="small">
            {stageLabels[mine.stage]} → {hostLabel(mine.destination, hosts)}
            {mine.bytesTotal > 0 ? ` · ${formatBytes(mine.bytesDone)} of ${formatBytes(mine.bytesTotal)}` : ''}
          </div>
          <progress
            aria-label="Handoff progress"
            aria-valuetext={`${stageLabels[mine.stage]}, ${formatBytes(mine.bytesDone)}`}
            max={1}
            value={progressFraction(mine) ?? undefined}
          />
        </div>
      )}
      {review && review.thread === thread && <ReviewDialog state={review} onHandOff={() => void handOff()} onCancel={() => void cancelReview()} />}
    </footer>
  );
}

function LocationMenu({ entries, loading, error, onChoose, onClose }: { entries: PickerEntry[]; loading: boolean; error: string | null; onChoose: (e: PickerEntry) => void; onClose: () => void }) {
  const ref = useRef<HTMLUListElement>(null);
  useEffect(() => {
    // Greyed entries stay focusable (their reason is read out); the first choosable one gets focus.
    const items = ref.current?.querySelectorAll<HTMLElement>('[role="menuitem"]');
    (ref.current?.querySelector<HTMLElement>('[role="menuitem"][aria-disabled="false"]') ?? items?.[0])?.focus();
  }, [entries]);
  useEffect(() => {
    const onDoc = (e: MouseEvent) => {
      if (ref.current && !ref.current.parentElement?.contains(e.target as Node)) onClose();
    };
    document.addEventListener('mousedown', onDoc);
    return () => document.removeEventListener('mousedown', onDoc);
  }, [onClose]);
  const onKeyDown = (e: React.KeyboardEvent) => {
    const items = [...(ref.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])];
    const i = items.indexOf(document.activeElement as HTMLElement);
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const next = items[(i + (e.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length];
      next?.focus();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      onClose();
    }
  };
  return (
    <ul ref={ref} className="menu" role="menu" aria-label="Run location" onKeyDown={onKeyDown}>
      {loading && (
        <li role="none" className="muted small pad">
          Checking hosts…
        </li>
      )}
      {error && (
        <li role="none" className="error-text small pad">
          {error}
        </li>
      )}
      {entries.map((e) => {
        const reasonId = `reason-${e.host}`;
        return (
          <li key={e.host} role="none">
            <button
              type="button"
              role="menuitem"
              className={`menu-item${e.selectable ? '' : ' disabled'}`}
              aria-disabled={!e.selectable}
              aria-describedby={e.reason ? reasonId : undefined}
              tabIndex={-1}
              onClick={() => e.selectable && onChoose(e)}
            >
              <span className="menu-label">
                {e.label}
                {e.current ? <span className="muted"> (current)</span> : null}
              </span>
              {e.reason && (
                <span id={reasonId} className="menu-reason">
                  {e.reason}
                </span>
              )}
            </button>
          </li>
        );
      })}
    </ul>
  );
}
