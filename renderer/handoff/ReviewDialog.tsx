// What will move before anything moves: destination, branch, worktree, commits and changed files,
// ignored files left behind, warnings. Hand off only when the review arrived; an error says why
// and that the thread is untouched.
import type { ReviewState } from './store';
import { Dialog } from '../components/Dialog';

export function ReviewDialog({ state, onHandOff, onCancel }: { state: ReviewState; onHandOff: () => void; onCancel: () => void }) {
  const r = state.review;
  return (
    <Dialog title="Review handoff" onCancel={onCancel} describedBy="review-summary">
      <p id="review-summary" className="dialog-lead">
        Move this thread to <strong>{state.destinationLabel}</strong>
        {r?.willInterrupt ? ' — the running turn will be interrupted first.' : '.'}
      </p>
      {state.loading && (
        <p className="muted" role="status">
          Preparing the review…
        </p>
      )}
      {state.error && (
        <div className="callout error" role="alert">
          <strong>{state.error.message}</strong>
          {state.error.hint && <div>{state.error.hint}</div>}
          <div>Nothing has changed: the thread stays where it is.</div>
        </div>
      )}
      {r && (
        <dl className="review-grid">
          <dt>Destination</dt>
          <dd>{state.destinationLabel}</dd>
          <dt>Branch</dt>
          <dd>
            <code>{r.branch ?? '(detached)'}</code> <span className="muted">({tipText[r.tip]})</span>
          </dd>
          <dt>Worktree</dt>
          <dd>
            {r.worktree.reused ? 'Reused' : 'New'}: <code>{r.worktree.path}</code>
          </dd>
          <dt>Commits</dt>
          <dd>
            {r.commits.length === 0 ? (
              <span className="muted">None: the destination has them all.</span>
            ) : (
              <ul className="compact-list">
                {r.commits.map((c) => (
                  <li key={c.sha}>
                    <code>{c.sha.slice(0, 8)}</code> {c.subject}
                  </li>
                ))}
                {r.commitsTruncated && <li className="muted">…and more</li>}
              </ul>
            )}
          </dd>
          <dt>Changed files</dt>
          <dd>
            {r.files.length === 0 ? (
              <span className="muted">No uncommitted changes.</span>
            ) : (
              <ul className="compact-list">
                {r.files.map((f) => (
                  <li key={`${f.state}:${f.path}`}>
                    <code>{f.path}</code> <span className="muted">{f.change}, {f.state}</span>
                  </li>
                ))}
              </ul>
            )}
          </dd>
          <dt>Left behind</dt>
          <dd>
            {r.ignoredLeftBehind.length === 0 ? (
              <span className="muted">No ignored files.</span>
            ) : (
              <ul className="compact-list">
                {r.ignoredLeftBehind.map((p) => (
                  <li key={p}>
                    <code>{p}</code>
                  </li>
                ))}
                {r.ignoredTruncated && <li className="muted">…and more</li>}
              </ul>
            )}
          </dd>
          <dt>Transcript</dt>
          <dd>
            {r.transcript.items} items ({r.transcript.events} events)
          </dd>
          {state.prestage && (
            <>
              <dt>Preparation</dt>
              <dd role="status" aria-label="Destination readiness">
                {prestageText(state.destinationLabel, state.prestage)}
              </dd>
            </>
          )}
          {r.warnings.length > 0 && (
            <>
              <dt>Warnings</dt>
              <dd>
                <ul className="compact-list warnings" aria-label="Warnings">
                  {r.warnings.map((w) => (
                    <li key={w.code + w.message}>{w.message}</li>
                  ))}
                </ul>
              </dd>
            </>
          )}
        </dl>
      )}
      <div className="dialog-buttons">
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" className="primary" disabled={!r || state.starting} onClick={onHandOff}>
          Hand off
        </button>
      </div>
    </Dialog>
  );
}

/** Pre-staging in words: the click is fast once the destination is ready, and still works when it is not. */
function prestageText(dest: string, p: NonNullable<ReviewState['prestage']>): string {
  const size = p.bytes !== undefined ? ` (${p.bytes < 1024 * 1024 ? `${Math.ceil(p.bytes / 1024)} KiB` : `${(p.bytes / 2 ** 20).toFixed(1)} MiB`})` : '';
  switch (p.state) {
    case 'running':
      return `Preparing ${dest}: taking in the files and checking out the worktree${size}…`;
    case 'ready':
      return `${dest} is ready${size}: Hand off moves only what changes from here.`;
    case 'failed':
      return `${dest} could not prepare ahead; Hand off moves everything (slower, nothing else changes).`;
  }
}

const tipText = {
  same: 'same tip on both hosts',
  'fast-forward': 'destination fast-forwards',
  'destination-ahead': 'destination is ahead',
  diverged: 'diverged',
  unrelated: 'unrelated histories',
  'new-branch': 'new on the destination',
} as const;
