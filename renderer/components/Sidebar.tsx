// Projects with their threads (every host merged), each thread with where it runs and its status.
import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { BridgeThread } from '../../shared/contracts/bridge';
import { useApp } from '../state/context';
import { hostLabel, statusLabels } from './labels';

interface Group {
  key: string;
  name: string;
  threads: BridgeThread[];
}

export function groupByProject(threads: readonly BridgeThread[], projects: ReadonlyArray<{ identity: string; name: string }>): Group[] {
  // One group per repository identity (+subdir), so a thread that moved hosts stays in its place.
  const groups = new Map<string, Group>();
  for (const p of projects) if (!groups.has(p.identity)) groups.set(p.identity, { key: p.identity, name: p.name, threads: [] });
  for (const t of threads) {
    const g = groups.get(t.project.identity) ?? { key: t.project.identity, name: t.project.name, threads: [] };
    g.threads.push(t);
    groups.set(t.project.identity, g);
  }
  return [...groups.values()].sort((a, b) => a.name.localeCompare(b.name));
}

export function Sidebar() {
  const { threads, projects, hosts, view } = useApp(useShallow((s) => ({ threads: s.threads, projects: s.projects, hosts: s.hosts, view: s.view })));
  const show = useApp((s) => s.show);
  const openThread = useApp((s) => s.openThread);
  const groups = useMemo(() => groupByProject(threads, projects), [threads, projects]);

  return (
    <nav className="sidebar" aria-label="Projects and threads">
      <div className="sidebar-top">
        <span className="brand">Baton</span>
        <button type="button" className="primary" onClick={() => show({ kind: 'new-thread' })} title="New thread (Ctrl+N)">
          New thread
        </button>
      </div>
      <div className="sidebar-scroll">
        {groups.length === 0 && <p className="muted small pad">No projects yet. Add one in Settings › Projects.</p>}
        {groups.map((g) => (
          <section key={g.key} className="project-group" aria-label={`Project ${g.name}`}>
            <h2 className="project-name">{g.name}</h2>
            {g.threads.length === 0 ? (
              <p className="muted small indent">No threads</p>
            ) : (
              <ul className="thread-list">
                {g.threads.map((t) => {
                  const selected = view.kind === 'thread' && view.host === t.host && view.id === t.id;
                  // A tombstone points at where the thread lives now.
                  const location = hostLabel(t.status === 'moved' && t.movedTo ? t.movedTo : t.host, hosts);
                  return (
                    <li key={`${t.host}/${t.id}`}>
                      <button
                        type="button"
                        className={`thread-row${selected ? ' selected' : ''}${t.online ? '' : ' offline'}`}
                        aria-current={selected ? 'page' : undefined}
                        onClick={() => void openThread(t.host, t.id)}
                      >
                        <span className="thread-title">{t.title || 'Untitled thread'}</span>
                        <span className="thread-meta">
                          <span className="badge location" data-testid="location-badge">
                            {location}
                          </span>
                          <span className={`status status-${t.status}`}>{t.online ? statusLabels[t.status] : 'offline'}</span>
                        </span>
                      </button>
                    </li>
                  );
                })}
              </ul>
            )}
          </section>
        ))}
      </div>
      <div className="sidebar-bottom" role="group" aria-label="Settings">
        <button type="button" className={`link${view.kind === 'settings' && view.tab === 'connections' ? ' selected' : ''}`} onClick={() => show({ kind: 'settings', tab: 'connections' })}>
          Connections
        </button>
        <button type="button" className={`link${view.kind === 'settings' && view.tab === 'projects' ? ' selected' : ''}`} onClick={() => show({ kind: 'settings', tab: 'projects' })}>
          Projects
        </button>
      </div>
    </nav>
  );
}
