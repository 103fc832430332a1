// The open thread: header (title, branch, worktree), the plan with its history, the transcript,
// the composer (Send, Stop) and the footer with the run location.
import { useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { Thread } from '../../shared/contracts/thread';
import { ThreadFooter } from '../handoff/ThreadFooter';
import { useApp } from '../state/context';
import { pendingApprovals } from '../state/openThread';
import { PlanSteps } from '../transcript/Item';
import { Transcript } from '../transcript/Transcript';
import { hostLabel, statusLabels } from './labels';

export function ThreadView() {
  const { open, hosts } = useApp(useShallow((s) => ({ open: s.open, hosts: s.hosts })));
  const respond = useApp((s) => s.respond);
  if (!open) return null;
  const t = open.thread;
  if (!t) {
    return (
      <main className="thread-view" aria-label="Thread">
        {open.loading ? <p className="muted pad">Opening the thread…</p> : <Problem error={open.error} />}
      </main>
    );
  }
  const offline = open.error !== null;
  // Where it runs is the host this window reads it from (the thread's own host field is in the
  // serving app-server's naming); a tombstone points at where it went.
  const location = t.status === 'moved' && t.movedTo ? t.movedTo : open.host;
  const readOnly = offline || t.status === 'moved' || t.status === 'handing-off';
  return (
    <main className="thread-view" aria-label="Thread">
      <header className="thread-header">
        <div className="thread-header-main">
          <h1 className="thread-heading">{t.title || 'Untitled thread'}</h1>
          <div className="muted small">
            {t.project.name}
            {t.branch ? (
              <>
                {' '}
                · branch <code>{t.branch}</code>
              </>
            ) : null}{' '}
            · <span title={t.worktreePath}>{hostLabel(location, hosts)}</span> · <span className={`status status-${t.status}`}>{statusLabels[t.status]}</span> ·{' '}
            {t.settings.permissions.approvalPolicy}
          </div>
        </div>
        <PlanPanel thread={t} />
      </header>
      {offline && <Problem error={open.error} offline />}
      {t.status === 'moved' && <div className="callout">This thread moved to {hostLabel(t.movedTo ?? '', hosts)}. Open it there.</div>}
      <Transcript items={t.items} canAnswer={!readOnly} onRespond={(id, d) => void respond(id, d)} />
      <Composer thread={t} readOnly={readOnly} />
      <ThreadFooter host={open.host} thread={t.id} readOnly={readOnly} />
    </main>
  );
}

function Problem({ error, offline }: { error: { message: string; hint?: string } | null; offline?: boolean }) {
  if (!error) return null;
  return (
    <div className="callout error" role="alert">
      <strong>{offline ? 'Offline — showing the last known state. ' : ''}</strong>
      {error.message} {error.hint}
    </div>
  );
}

function PlanPanel({ thread }: { thread: Thread }) {
  const [showHistory, setShowHistory] = useState(false);
  const latest = thread.planHistory.at(-1);
  if (!latest) return null;
  return (
    <section className="plan-panel" aria-label="Plan">
      <div className="plan-head">
        <strong>Plan</strong>
        {thread.planHistory.length > 1 && (
          <button type="button" className="small-button" aria-expanded={showHistory} onClick={() => setShowHistory(!showHistory)}>
            {showHistory ? 'Hide history' : `History (${thread.planHistory.length - 1})`}
          </button>
        )}
      </div>
      <PlanSteps steps={latest.plan.steps} />
      {showHistory && (
        // Earlier versions, newest first: the current plan is the one above.
        <ol className="plan-history" aria-label="Plan history">
          {thread.planHistory
            .slice(0, -1)
            .reverse()
            .map((v) => (
              <li key={v.revision}>
                <div className="muted small">{new Date(v.at).toLocaleString()}</div>
                <PlanSteps steps={v.plan.steps} />
              </li>
            ))}
        </ol>
      )}
    </section>
  );
}

function Composer({ thread, readOnly }: { thread: Thread; readOnly: boolean }) {
  const [text, setText] = useState('');
  const { send, interrupt } = useApp(useShallow((s) => ({ send: s.send, interrupt: s.interrupt })));
  const running = thread.activeTurnId !== null;
  const waiting = useMemo(() => pendingApprovals(thread).length, [thread]);
  const submit = async () => {
    const input = text.trim();
    if (!input || running || readOnly) return;
    if (await send(input)) setText('');
  };
  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <textarea
        aria-label="Message"
        placeholder={readOnly ? 'This thread is read-only here.' : running ? 'The agent is working… (Stop to interrupt)' : 'Ask the agent. Enter to send, Shift+Enter for a new line.'}
        value={text}
        disabled={readOnly}
        rows={3}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey) {
            e.preventDefault();
            void submit();
          }
        }}
      />
      <div className="composer-bar">
        <span className="muted small" role="status">
          {waiting > 0 ? `Waiting for your approval (${waiting})` : running ? 'Running…' : ''}
        </span>
        <button type="button" onClick={() => void interrupt()} disabled={!running || readOnly}>
          Stop
        </button>
        <button type="submit" className="primary" disabled={running || readOnly || text.trim() === ''}>
          Send
        </button>
      </div>
    </form>
  );
}
