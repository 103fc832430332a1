// The window: sidebar on the left, the current page on the right, notices on top, and the
// keyboard shortcuts (Ctrl/Cmd+K command palette, Ctrl/Cmd+N new thread, Ctrl/Cmd+, settings).
import { useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { CommandPalette } from './components/CommandPalette';
import { NewThread } from './components/NewThread';
import { Sidebar } from './components/Sidebar';
import { ThreadView } from './components/ThreadView';
import { Connections, PromptDialog } from './settings/Connections';
import { Projects } from './settings/Projects';
import { useApp, useConnections } from './state/context';

export function App() {
  const { view, notice, connection } = useApp(useShallow((s) => ({ view: s.view, notice: s.notice, connection: s.connection })));
  const { init, show, dismissNotice } = useApp(useShallow((s) => ({ init: s.init, show: s.show, dismissNotice: s.dismissNotice })));
  const [palette, setPalette] = useState(false);
  const prompt = useConnections((s) => s.prompts[0]);
  const answer = useConnections((s) => s.answer);

  useEffect(() => {
    void init();
  }, [init]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const mod = e.ctrlKey || e.metaKey;
      if (!mod) return;
      if (e.key === 'k') {
        e.preventDefault();
        setPalette(true);
      } else if (e.key === 'n') {
        e.preventDefault();
        show({ kind: 'new-thread' });
      } else if (e.key === ',') {
        e.preventDefault();
        show({ kind: 'settings', tab: 'connections' });
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [show]);

  return (
    <div className="app">
      <Sidebar />
      <div className="content">
        {connection === 'closed' && (
          <div className="banner" role="status">
            Reconnecting to Baton…
          </div>
        )}
        {notice && (
          <div className="banner error" role="alert">
            <span>
              {notice.message} {notice.hint && <span className="muted">{notice.hint}</span>}
            </span>
            <button type="button" className="small-button" onClick={dismissNotice} aria-label="Dismiss">
              ×
            </button>
          </div>
        )}
        {view.kind === 'thread' && <ThreadView />}
        {view.kind === 'new-thread' && <NewThread />}
        {view.kind === 'settings' && view.tab === 'connections' && <Connections />}
        {view.kind === 'settings' && view.tab === 'projects' && <Projects />}
        {view.kind === 'home' && (
          <main className="page empty" aria-label="Welcome">
            <h1>Baton</h1>
            <p className="muted">Pick a thread on the left, or start a new one (Ctrl+N). Ctrl+K opens the command palette.</p>
          </main>
        )}
      </div>
      {palette && <CommandPalette onClose={() => setPalette(false)} />}
      {prompt && <PromptDialog key={prompt.promptId} prompt={prompt} onAnswer={(a) => void answer(prompt.promptId, a)} />}
    </div>
  );
}
