// Settings > Connections: SSH hosts with status, latency, version and fingerprints; Add host
// (with aliases from ~/.ssh/config), Connect/Disconnect, Test connection, Remove; and the
// dialogs for the questions the SSH layer asks while connecting (shown on any screen, by App).
import { useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { ConnectionTestResult, HostView, PromptAnswer } from '../../shared/contracts/bridge';
import { Dialog } from '../components/Dialog';
import { hostStatusText } from '../components/labels';
import { useConnections } from '../state/context';
import type { PendingPrompt } from './connectionsStore';

export function Connections() {
  const { hosts, suggestions, tests, error } = useConnections(useShallow((s) => ({ hosts: s.hosts, suggestions: s.suggestions, tests: s.tests, error: s.error })));
  const { load, add, test, remove, connect, disconnect } = useConnections(
    useShallow((s) => ({ load: s.load, add: s.add, test: s.test, remove: s.remove, connect: s.connect, disconnect: s.disconnect })),
  );
  const [name, setName] = useState('');
  const [target, setTarget] = useState('');
  useEffect(() => {
    void load();
  }, [load]);

  return (
    <main className="page" aria-label="Connections">
      <h1>Connections</h1>
      <p className="muted">SSH hosts this computer can hand threads to. Baton starts its server on each host over SSH and talks to it over an encrypted channel.</p>
      {error && (
        <div className="callout error" role="alert">
          {error.message} {error.hint}
        </div>
      )}
      <table className="hosts-table" aria-label="SSH hosts">
        <thead>
          <tr>
            <th scope="col">Host</th>
            <th scope="col">Status</th>
            <th scope="col">Latency</th>
            <th scope="col">Version</th>
            <th scope="col">Fingerprints</th>
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {hosts.length === 0 && (
            <tr>
              <td colSpan={6} className="muted">
                No hosts yet. Add one below.
              </td>
            </tr>
          )}
          {hosts.map((h) => (
            <HostRow
              key={h.id}
              host={h}
              test={tests[h.id]}
              onTest={() => void test(h.id)}
              onRemove={() => void remove(h.id)}
              onConnect={() => void connect(h.id)}
              onDisconnect={() => void disconnect(h.id)}
            />
          ))}
        </tbody>
      </table>

      <form
        className="add-host"
        aria-label="Add host"
        onSubmit={async (e) => {
          e.preventDefault();
          if (await add(name.trim(), (target || name).trim())) {
            setName('');
            setTarget('');
          }
        }}
      >
        <h2>Add host</h2>
        <div className="form-grid">
          <label htmlFor="host-target">SSH target</label>
          <input id="host-target" list="ssh-aliases" placeholder="alias from ~/.ssh/config, or user@host:port" value={target} onChange={(e) => setTarget(e.target.value)} />
          <datalist id="ssh-aliases">
            {suggestions.map((s) => (
              <option key={s.alias} value={s.alias}>
                {s.detail}
              </option>
            ))}
          </datalist>
          <label htmlFor="host-name">Name</label>
          <input id="host-name" placeholder="shown in the sidebar, e.g. gpu-box" value={name} onChange={(e) => setName(e.target.value)} />
          {suggestions.length > 0 && (
            <>
              <span className="muted small">From ~/.ssh/config</span>
              <div className="chips" role="group" aria-label="Suggested hosts">
                {suggestions.map((s) => (
                  <button
                    key={s.alias}
                    type="button"
                    className="chip"
                    onClick={() => {
                      setTarget(s.alias);
                      if (!name) setName(s.alias);
                    }}
                  >
                    {s.alias}
                  </button>
                ))}
              </div>
            </>
          )}
          <span />
          <div>
            <button type="submit" className="primary" disabled={!name.trim() || !(target || name).trim()}>
              Add host
            </button>
          </div>
        </div>
      </form>
    </main>
  );
}

interface HostRowProps {
  host: HostView;
  test?: { running: boolean; result: ConnectionTestResult | null };
  onTest: () => void;
  onRemove: () => void;
  onConnect: () => void;
  onDisconnect: () => void;
}

function HostRow({ host, test, onTest, onRemove, onConnect, onDisconnect }: HostRowProps) {
  const active = host.status.state === 'connected' || host.status.state === 'connecting' || host.online;
  const r = test?.result;
  return (
    <tr aria-label={host.label}>
      <th scope="row">
        <div>{host.label}</div>
        <div className="muted small">{host.target}</div>
      </th>
      <td>
        <span className={`status host-${host.status.state}`}>{hostStatusText(host)}</span>
        {r && (
          <div className={`small ${r.ok ? 'ok-text' : 'error-text'}`} role="status">
            {r.ok ? `Test passed${r.latencyMs !== null ? ` in ${r.latencyMs} ms` : ''}` : `Test failed: ${r.error?.message ?? 'unknown error'}`}
            {!r.ok && r.error?.hint ? ` ${r.error.hint}` : ''}
          </div>
        )}
      </td>
      <td>{host.latencyMs !== null ? `${host.latencyMs} ms` : '—'}</td>
      <td>{host.serverVersion ?? '—'}</td>
      <td className="fingerprints">
        <div>
          <span className="muted small">host key </span>
          <code>{host.hostKeyFingerprint ?? (host.status.state === 'connected' ? host.status.hostKeyFingerprint : '—')}</code>
        </div>
        <div>
          <span className="muted small">noise </span>
          <code>{host.noiseFingerprint ?? '—'}</code>
        </div>
      </td>
      <td className="row-actions">
        {active ? (
          <button type="button" onClick={onDisconnect}>
            Disconnect
          </button>
        ) : (
          <button type="button" onClick={onConnect}>
            Connect
          </button>
        )}
        <button type="button" onClick={onTest} disabled={test?.running}>
          {test?.running ? 'Testing…' : 'Test connection'}
        </button>
        <button type="button" className="danger" onClick={onRemove}>
          Remove
        </button>
      </td>
    </tr>
  );
}

export function PromptDialog({ prompt, onAnswer }: { prompt: PendingPrompt; onAnswer: (a: PromptAnswer) => void }) {
  const p = prompt.prompt;
  const [secret, setSecret] = useState('');
  const [responses, setResponses] = useState<string[]>(p.kind === 'keyboard-interactive' ? p.prompts.map(() => '') : []);
  if (p.kind === 'host-key') {
    return (
      <Dialog title="Unknown host key" onCancel={() => onAnswer({ kind: 'host-key', trust: false })}>
        <p>
          The authenticity of <strong>{prompt.host}</strong> cannot be established. Its {p.keyType} key fingerprint is:
        </p>
        <p>
          <code className="fingerprint">{p.fingerprint}</code>
        </p>
        <p className="muted small">Compare it with the one the host's administrator gave you. Trusting it saves it to ~/.ssh/known_hosts.</p>
        <div className="dialog-buttons">
          <button type="button" onClick={() => onAnswer({ kind: 'host-key', trust: false })}>
            Cancel
          </button>
          <button type="button" className="primary" onClick={() => onAnswer({ kind: 'host-key', trust: true })}>
            Trust
          </button>
        </div>
      </Dialog>
    );
  }
  if (p.kind === 'passphrase') {
    return (
      <Dialog title="Key passphrase" onCancel={() => onAnswer({ kind: 'passphrase', passphrase: null })}>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            onAnswer({ kind: 'passphrase', passphrase: secret });
          }}
        >
          {(p.attempt ?? 1) > 1 && (
            <p className="error-text" role="alert">
              That passphrase did not unlock the key. Try again.
            </p>
          )}
          <label htmlFor="passphrase">
            Passphrase for <code>{p.keyFile}</code> ({prompt.host})
          </label>
          <input id="passphrase" type="password" autoComplete="off" value={secret} onChange={(e) => setSecret(e.target.value)} />
          <div className="dialog-buttons">
            <button type="button" onClick={() => onAnswer({ kind: 'passphrase', passphrase: null })}>
              Cancel
            </button>
            <button type="submit" className="primary">
              Unlock
            </button>
          </div>
        </form>
      </Dialog>
    );
  }
  return (
    <Dialog title={p.name || `Sign in to ${prompt.host}`} onCancel={() => onAnswer({ kind: 'keyboard-interactive', responses: null })}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          onAnswer({ kind: 'keyboard-interactive', responses });
        }}
      >
        {(p.attempt ?? 1) > 1 && (
          <p className="error-text" role="alert">
            The answer was not accepted. Try again.
          </p>
        )}
        {p.instructions && <p>{p.instructions}</p>}
        {p.prompts.map((q, i) => (
          <div key={i} className="field">
            <label htmlFor={`ki-${i}`}>{q.prompt}</label>
            <input
              id={`ki-${i}`}
              type={q.echo ? 'text' : 'password'}
              autoComplete="off"
              value={responses[i] ?? ''}
              onChange={(e) => setResponses(responses.map((r, j) => (j === i ? e.target.value : r)))}
            />
          </div>
        ))}
        <div className="dialog-buttons">
          <button type="button" onClick={() => onAnswer({ kind: 'keyboard-interactive', responses: null })}>
            Cancel
          </button>
          <button type="submit" className="primary">
            Continue
          </button>
        </div>
      </form>
    </Dialog>
  );
}
