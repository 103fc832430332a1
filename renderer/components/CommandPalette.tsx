// Ctrl/Cmd+K: every page and every thread by typing a few letters.
import { useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useApp } from '../state/context';
import { Dialog } from './Dialog';
import { hostLabel } from './labels';

interface Command {
  id: string;
  label: string;
  run: () => void;
}

export function CommandPalette({ onClose }: { onClose: () => void }) {
  const { threads, hosts } = useApp(useShallow((s) => ({ threads: s.threads, hosts: s.hosts })));
  const { show, openThread } = useApp(useShallow((s) => ({ show: s.show, openThread: s.openThread })));
  const [q, setQ] = useState('');
  const [active, setActive] = useState(0);
  const commands = useMemo<Command[]>(
    () => [
      { id: 'new', label: 'New thread', run: () => show({ kind: 'new-thread' }) },
      { id: 'conn', label: 'Settings: Connections', run: () => show({ kind: 'settings', tab: 'connections' }) },
      { id: 'proj', label: 'Settings: Projects', run: () => show({ kind: 'settings', tab: 'projects' }) },
      ...threads.map((t) => ({ id: `${t.host}/${t.id}`, label: `Open: ${t.title || t.id} — ${hostLabel(t.host, hosts)}`, run: () => void openThread(t.host, t.id) })),
    ],
    [threads, hosts, show, openThread],
  );
  const matches = commands.filter((c) => c.label.toLowerCase().includes(q.toLowerCase())).slice(0, 50);
  const run = (c: Command | undefined) => {
    if (!c) return;
    onClose();
    c.run();
  };
  return (
    <Dialog title="Command palette" onCancel={onClose}>
      <input
        aria-label="Command"
        role="combobox"
        aria-expanded="true"
        aria-controls="palette-list"
        placeholder="Type a command or a thread title"
        value={q}
        onChange={(e) => {
          setQ(e.target.value);
          setActive(0);
        }}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') setActive(Math.min(active + 1, matches.length - 1));
          else if (e.key === 'ArrowUp') setActive(Math.max(active - 1, 0));
          else if (e.key === 'Enter') run(matches[active]);
          else return;
          e.preventDefault();
        }}
      />
      <ul id="palette-list" role="listbox" className="palette-list" aria-label="Commands">
        {matches.map((c, i) => (
          <li key={c.id} role="option" aria-selected={i === active} className={i === active ? 'active' : ''} onMouseDown={() => run(c)}>
            {c.label}
          </li>
        ))}
      </ul>
    </Dialog>
  );
}
