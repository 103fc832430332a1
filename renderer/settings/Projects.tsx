// Settings > Projects: the projects saved on each host. A thread may only move to a host that has
// the same project (same repository and subdirectory) saved, so this is where hosts are matched.
import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useApp } from '../state/context';

export function Projects() {
  const { hosts, projects } = useApp(useShallow((s) => ({ hosts: s.hosts, projects: s.projects })));
  const { addProject, removeProject } = useApp(useShallow((s) => ({ addProject: s.addProject, removeProject: s.removeProject })));
  const online = hosts.filter((h) => h.online);
  const [host, setHost] = useState('local');
  const [path, setPath] = useState('');
  const [name, setName] = useState('');

  return (
    <main className="page" aria-label="Projects">
      <h1>Projects</h1>
      <p className="muted">A project is a Git repository (optionally a subdirectory of it) saved on a host. Threads hand off only to hosts that have the same project saved.</p>
      {hosts.map((h) => {
        const list = projects.filter((p) => p.host === h.id);
        return (
          <section key={h.id} className="host-projects" aria-label={`Projects on ${h.label}`}>
            <h2>
              {h.label} {!h.online && <span className="muted small">(offline)</span>}
            </h2>
            {list.length === 0 ? (
              <p className="muted small">No projects saved here.</p>
            ) : (
              <table className="projects-table">
                <tbody>
                  {list.map((p) => (
                    <tr key={p.id}>
                      <th scope="row">{p.name}</th>
                      <td>
                        <code>{p.root}</code>
                        {p.subdir ? <code>/{p.subdir}</code> : null}
                      </td>
                      <td className="muted small">{p.originUrl ?? 'no remote'}</td>
                      <td className="row-actions">
                        <button type="button" className="danger" aria-label={`Remove project ${p.name}`} disabled={!h.online} onClick={() => void removeProject(h.id, p.id)}>
                          Remove
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        );
      })}
      <form
        className="add-host"
        aria-label="Add project"
        onSubmit={async (e) => {
          e.preventDefault();
          if (await addProject({ host, path: path.trim(), ...(name.trim() ? { name: name.trim() } : {}) })) {
            setPath('');
            setName('');
          }
        }}
      >
        <h2>Add project</h2>
        <div className="form-grid">
          <label htmlFor="project-host">Host</label>
          <select id="project-host" value={host} onChange={(e) => setHost(e.target.value)}>
            {online.map((h) => (
              <option key={h.id} value={h.id}>
                {h.label}
              </option>
            ))}
          </select>
          <label htmlFor="project-path">Repository path</label>
          <input id="project-path" placeholder="/home/me/src/app or /home/me/src/mono/packages/web" value={path} onChange={(e) => setPath(e.target.value)} />
          <label htmlFor="project-name">Name</label>
          <input id="project-name" placeholder="optional; defaults to the folder name" value={name} onChange={(e) => setName(e.target.value)} />
          <span />
          <div>
            <button type="submit" className="primary" disabled={!path.trim()}>
              Add project
            </button>
          </div>
        </div>
      </form>
    </main>
  );
}
