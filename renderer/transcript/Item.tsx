// One transcript item. Long parts (command output, diffs) are collapsed behind a button so a
// row's height stays small until a person asks for more; the virtualized list re-measures.
import { memo, useState } from 'react';
import type { TranscriptItem } from '../../shared/contracts/thread';

type Respond = (requestId: string, decision: 'allow' | 'deny' | 'always') => void;

export interface ItemProps {
  item: TranscriptItem;
  /** requestId → decision, for approval cards already answered. */
  decision: 'allow' | 'deny' | 'always' | undefined;
  canAnswer: boolean;
  onRespond: Respond;
}

export const Item = memo(function Item({ item, decision, canAnswer, onRespond }: ItemProps) {
  switch (item.type) {
    case 'user_message':
      return (
        <div className="item user-message">
          <div className="who">You</div>
          <div className="text">{item.text}</div>
        </div>
      );
    case 'agent_message':
      return (
        <div className="item agent-message">
          <div className="who">Agent</div>
          <div className="text">{item.text}</div>
        </div>
      );
    case 'command_execution':
      return <CommandItem item={item} />;
    case 'file_change':
      return <FileChangeItem item={item} />;
    case 'plan_update':
      return (
        <div className="item plan-item">
          <div className="who">Plan updated</div>
          <PlanSteps steps={item.plan.steps} />
        </div>
      );
    case 'approval_request':
      return <ApprovalCard item={item} decision={decision} canAnswer={canAnswer} onRespond={onRespond} />;
    case 'approval_decision':
      return null;
    case 'system_event':
      return <div className={`item system ${item.event === 'error' ? 'error-text' : ''}`}>{item.text}</div>;
    case 'turn_interrupted':
      return <div className="item system">Turn interrupted{item.reason ? `: ${item.reason}` : ''}</div>;
  }
});

function CommandItem({ item }: { item: Extract<TranscriptItem, { type: 'command_execution' }> }) {
  const [open, setOpen] = useState(item.status === 'running' || item.output.length < 400);
  const lines = item.output ? item.output.split('\n').length : 0;
  return (
    <div className={`item command status-${item.status}`}>
      <div className="command-head">
        <code className="command-line">$ {item.command}</code>
        <span className="command-state">
          {item.status === 'running' ? 'running…' : item.status === 'completed' || item.status === 'failed' ? `exit ${item.exitCode ?? '?'}` : item.status}
          {item.durationMs !== undefined ? ` · ${(item.durationMs / 1000).toFixed(1)} s` : ''}
        </span>
        {item.output && (
          <button type="button" className="small-button" aria-expanded={open} onClick={() => setOpen(!open)}>
            {open ? 'Hide output' : `Show output (${lines} line${lines === 1 ? '' : 's'})`}
          </button>
        )}
      </div>
      {open && item.output && <pre className="output" aria-label={`Output of ${item.command}`}>{item.output}</pre>}
    </div>
  );
}

function FileChangeItem({ item }: { item: Extract<TranscriptItem, { type: 'file_change' }> }) {
  const [open, setOpen] = useState(item.diff.length < 2000);
  const verb = item.kind === 'add' ? 'Added' : item.kind === 'delete' ? 'Deleted' : 'Changed';
  return (
    <div className="item file-change">
      <div className="command-head">
        <span>
          {verb} <code>{item.path}</code>
          {item.status !== 'applied' ? ` (${item.status})` : ''}
        </span>
        <button type="button" className="small-button" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? 'Hide diff' : 'Show diff'}
        </button>
      </div>
      {open && <Diff text={item.diff} />}
    </div>
  );
}

export function Diff({ text }: { text: string }) {
  return (
    <pre className="diff" aria-label="Diff">
      {text.replace(/\n$/, '').split('\n').map((line, i) => {
        const cls = line.startsWith('+++') || line.startsWith('---') ? 'meta' : line.startsWith('+') ? 'add' : line.startsWith('-') ? 'del' : line.startsWith('@@') ? 'hunk' : '';
        return (
          <span key={i} className={cls}>
            {line}
            {'\n'}
          </span>
        );
      })}
    </pre>
  );
}

export function PlanSteps({ steps }: { steps: ReadonlyArray<{ step: string; status: string }> }) {
  return (
    <ol className="plan-steps">
      {steps.map((s, i) => (
        <li key={i} className={`step-${s.status}`}>
          <span className="step-mark" aria-hidden="true">
            {s.status === 'completed' ? '✓' : s.status === 'in_progress' ? '◐' : '○'}
          </span>
          <span>{s.step}</span>
          <span className="sr-only"> ({s.status.replace('_', ' ')})</span>
        </li>
      ))}
    </ol>
  );
}

function ApprovalCard({ item, decision, canAnswer, onRespond }: { item: Extract<TranscriptItem, { type: 'approval_request' }> } & Omit<ItemProps, 'item'>) {
  const answered = decision !== undefined;
  return (
    <div className={`item approval ${answered ? 'answered' : 'pending'}`} role="group" aria-label="Approval request">
      <div className="who">{answered ? 'Approval' : 'Approval needed'}</div>
      <div className="text">{item.summary}</div>
      {answered ? (
        <div className="decision">{decision === 'deny' ? 'Denied' : decision === 'always' ? `Always allowed (${item.pattern})` : 'Approved'}</div>
      ) : (
        <div className="buttons">
          <button type="button" className="primary" disabled={!canAnswer} onClick={() => onRespond(item.requestId, 'allow')}>
            Approve
          </button>
          <button type="button" disabled={!canAnswer} onClick={() => onRespond(item.requestId, 'deny')}>
            Deny
          </button>
          <button type="button" disabled={!canAnswer} onClick={() => onRespond(item.requestId, 'always')} title={`Always allow ${item.pattern} in this thread`}>
            Always allow
          </button>
        </div>
      )}
    </div>
  );
}
