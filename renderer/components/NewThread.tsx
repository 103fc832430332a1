// Start a thread: where it runs (an online host), which project there, a title, and how much the
// agent may do without asking.
import { useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { ApprovalPolicy } from '../../shared/contracts/thread';
import { useApp } from '../state/context';

export function NewThread() {
  const { hosts, projects, busy } = useApp(useShallow((s) => ({ hosts: s.hosts, projects: s.projects, busy: s.busy })));
  const { startThread, show } = useApp(useShallow((s) => ({ startThread: s.startThread, show: s.show })));
  const online = hosts.filter((h) => h.online);
  const [host, setHost] = useState(online[0]?.id ?? 'local');
  const choices = useMemo(() => projects.filter((p) => p.host === host), [projects, host]);
  const [project, setProject] = useState('');
  const [title, setTitle] = useState('');
  const [policy, setPolicy] = useState<ApprovalPolicy>('untrusted');
  const chosen = project || choices[0]?.id || '';

  return (
    <main className="page" aria-label="New thread">
      <h1>New thread</h1>
      <form
        className="form-grid"
        onSubmit={(e) => {
          e.preventDefault();
          if (chosen) void startThread({ host, project: chosen, title: title.trim() || undefined, approvalPolicy: policy });
        }}
      >
        <label htmlFor="nt-host">Run on</label>
        <select id="nt-host" value={host} onChange={(e) => setHost(e.target.value)}>
          {online.map((h) => (
            <option key={h.id} value={h.id}>
              {h.label}
            </option>
          ))}
        </select>
        <label htmlFor="nt-project">Project</label>
        {choices.length === 0 ? (
          <span className="muted">
            No projects on this host.{' '}
            <button type="button" className="link" onClick={() => show({ kind: 'settings', tab: 'projects' })}>
              Add one in Settings › Projects
            </button>
          </span>
        ) : (
          <select id="nt-project" value={chosen} onChange={(e) => setProject(e.target.value)}>
            {choices.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
                {p.subdir ? ` (${p.subdir})` : ''}
              </option>
            ))}
          </select>
        )}
        <label htmlFor="nt-title">Title</label>
        <input id="nt-title" value={title} placeholder="What is this thread for?" onChange={(e) => setTitle(e.target.value)} />
        <label htmlFor="nt-policy">Approvals</label>
        <select id="nt-policy" value={policy} onChange={(e) => setPolicy(e.target.value as ApprovalPolicy)}>
          <option value="untrusted">Ask before every command (untrusted)</option>
          <option value="on-request">Ask when the agent requests it (on-request)</option>
          <option value="never">Never ask (never)</option>
        </select>
        <span />
        <div>
          <button type="submit" className="primary" disabled={!chosen || busy}>
            Start thread
          </button>
        </div>
      </form>
    </main>
  );
}
