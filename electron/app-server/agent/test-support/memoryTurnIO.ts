// A small, real TurnIO for tests of the agent runtime: it keeps the transcript in memory the way
// the thread service keeps it in the log (same item schema, validated), and answers approval
// requests with a function the test supplies. It is a harness for the seam, not a stand-in for
// the code under test.
import { Thread, TranscriptItem, type AgentSettings, type ApprovalRule, type Plan } from '../../../../shared/contracts/thread';
import type { ApprovalAnswer, ApprovalAsk, TurnContext, TurnIO } from '../types';

export type Answerer = (ask: ApprovalAsk, io: MemoryTurnIO) => ApprovalAnswer | Promise<ApprovalAnswer>;

export class MemoryTurnIO implements TurnIO {
  readonly items: TranscriptItem[] = [];
  readonly plans: Plan[] = [];
  readonly asks: ApprovalAsk[] = [];
  readonly rules: ApprovalRule[] = [];
  /** Every call in order, for tests that care about sequencing ("nothing ran before the answer"). */
  readonly log: string[] = [];
  status: 'running' | 'waiting-approval' = 'running';
  /** appendToItem calls so far (each is one fsync'd event in the real log). */
  appends = 0;
  fenced = false;

  constructor(
    private readonly answer: Answerer = () => 'allow',
    private readonly signal?: AbortSignal,
  ) {}

  async addItem(item: TranscriptItem) {
    this.assertOwner();
    this.items.push(TranscriptItem.parse(item));
    this.log.push(`add ${item.type}`);
  }

  async appendToItem(itemId: string, field: 'output' | 'text', chunk: string) {
    this.assertOwner();
    this.appends++;
    const item = this.find(itemId) as Record<string, unknown>;
    item[field] = String(item[field] ?? '') + chunk;
  }

  async updateItem(item: TranscriptItem) {
    this.assertOwner();
    const i = this.items.findIndex((x) => x.id === item.id);
    if (i < 0) throw new Error(`updateItem: no item ${item.id}`);
    this.items[i] = TranscriptItem.parse(item);
    this.log.push(`update ${item.type}`);
  }

  async updatePlan(plan: Plan) {
    this.assertOwner();
    this.plans.push(plan);
    this.log.push('plan');
  }

  async requestApproval(ask: ApprovalAsk): Promise<ApprovalAnswer> {
    this.assertOwner();
    this.asks.push(ask);
    this.log.push(`ask ${ask.pattern}`);
    const requestId = `req-${this.asks.length}`;
    this.items.push({ id: requestId, at: new Date().toISOString(), type: 'approval_request', requestId, ...ask });
    this.status = 'waiting-approval';
    const answer = await new Promise<ApprovalAnswer>((resolve, reject) => {
      const onAbort = () => reject(Object.assign(new Error('The turn was interrupted'), { name: 'AbortError' }));
      if (this.signal?.aborted) return onAbort();
      this.signal?.addEventListener('abort', onAbort, { once: true });
      Promise.resolve(this.answer(ask, this)).then(resolve, reject);
    });
    this.status = 'running';
    this.items.push({ id: `${requestId}-d`, at: new Date().toISOString(), type: 'approval_decision', requestId, decision: answer });
    if (answer === 'always') this.rules.push({ tool: ask.tool, pattern: ask.pattern, grantedAt: new Date().toISOString() });
    this.log.push(`answer ${answer}`);
    return answer;
  }

  assertOwner() {
    if (this.fenced) throw Object.assign(new Error('the thread was fenced'), { name: 'FencedError' });
  }

  find(id: string): TranscriptItem {
    const item = this.items.find((x) => x.id === id);
    if (!item) throw new Error(`no item ${id}`);
    return item;
  }

  ofType<T extends TranscriptItem['type']>(type: T): Extract<TranscriptItem, { type: T }>[] {
    return this.items.filter((x): x is Extract<TranscriptItem, { type: T }> => x.type === type);
  }
}

export function testSettings(overrides: Omit<Partial<AgentSettings>, 'permissions'> & { permissions?: Partial<AgentSettings['permissions']> } = {}): AgentSettings {
  const { permissions, ...rest } = overrides;
  return {
    provider: 'offline',
    hooks: { preToolUse: [], postToolUse: [] },
    ...rest,
    permissions: { name: 'test', approvalPolicy: 'never', sandbox: 'full-access', writableRoots: [], ...permissions },
  };
}

let seq = 0;

/** A TurnContext for `worktree`, with a thread built from `settings` and prior `items`. */
export function testContext(opts: {
  worktree: string;
  input: string;
  settings: AgentSettings;
  io: MemoryTurnIO;
  signal?: AbortSignal;
  rules?: ApprovalRule[];
  items?: TranscriptItem[];
}): TurnContext {
  const now = new Date().toISOString();
  const thread = Thread.parse({
    id: 'thread-test',
    title: 'test',
    project: { id: 'p', name: 'p', identity: 'root:abc', subdir: '' },
    host: 'local',
    branch: 'main',
    worktreePath: opts.worktree,
    status: 'running',
    settings: opts.settings,
    approvalRules: opts.rules ?? [],
    revision: 1,
    epoch: 0,
    createdAt: now,
    updatedAt: now,
    archived: false,
    activeTurnId: 'turn-1',
    items: opts.items ?? [],
    planHistory: [],
  });
  return {
    thread,
    turnId: 'turn-1',
    input: opts.input,
    worktree: opts.worktree,
    signal: opts.signal ?? new AbortController().signal,
    io: opts.io,
    approvalRules: opts.rules ?? [],
    newId: () => `item-${++seq}`,
    now: () => new Date().toISOString(),
  };
}
