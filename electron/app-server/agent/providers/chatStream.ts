// One Chat Completions request, streamed (SSE), against any OpenAI-compatible server: OpenAI,
// Ollama, vLLM, LM Studio. Returns the assistant's text and tool calls once the stream ends.
// The request is cancelled by the turn's signal (interrupt) and by silence longer than
// `timeoutMs` (a hung server); every failure becomes one ProviderError line a person can act on.

export class ProviderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProviderError';
  }
}

/** Thrown when the turn's own signal cancelled the request: not a failure, the turn just stops. */
export class TurnAborted extends Error {
  constructor() {
    super('The turn was interrupted');
    this.name = 'AbortError';
  }
}

export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface Completion {
  content: string;
  toolCalls: ToolCall[];
  finishReason: string | null;
}

export interface StreamRequest {
  baseUrl: string;
  apiKey?: string;
  body: Record<string, unknown>;
  signal: AbortSignal;
  timeoutMs: number;
  fetch: typeof fetch;
  /** Text deltas as they arrive (for streaming into the transcript). */
  onText?: (chunk: string) => void;
}

export function completionsUrl(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '') + '/chat/completions';
}

export async function streamCompletion(req: StreamRequest): Promise<Completion> {
  const where = req.baseUrl;
  const seconds = `${Math.round(req.timeoutMs / 100) / 10} s`;
  const controller = new AbortController();
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  // The timeout is for *silence*: a long answer that keeps streaming is fine.
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, req.timeoutMs);
  };
  const onTurnAbort = () => controller.abort();
  if (req.signal.aborted) throw new TurnAborted();
  req.signal.addEventListener('abort', onTurnAbort, { once: true });
  const fail = (e: unknown): never => {
    if (req.signal.aborted) throw new TurnAborted();
    if (timedOut) {
      throw new ProviderError(`The model server at ${where} did not answer within ${seconds}. Check that it is running and not overloaded, then send the message again.`);
    }
    if (e instanceof ProviderError) throw e;
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const why = err.cause?.code ?? err.cause?.message ?? err.message;
    throw new ProviderError(`Could not reach the model server at ${where} (${why}). Check the provider's baseUrl and that the server is running.`);
  };

  try {
    arm();
    let res: Response;
    try {
      res = await req.fetch(completionsUrl(req.baseUrl), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'text/event-stream, application/json',
          ...(req.apiKey ? { authorization: `Bearer ${req.apiKey}` } : {}),
        },
        body: JSON.stringify({ ...req.body, stream: true }),
        signal: controller.signal,
      });
    } catch (e) {
      return fail(e);
    }
    arm();
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      throw new ProviderError(httpErrorLine(where, res.status, text));
    }
    const type = res.headers.get('content-type') ?? '';
    if (type.includes('application/json')) {
      // Some servers ignore `stream: true` and answer in one piece; take that too.
      const text = await res.text().catch(fail);
      return fromWholeResponse(where, text);
    }
    if (!type.includes('text/event-stream') && !type.includes('application/x-ndjson') && type !== '') {
      const text = await res.text().catch(() => '');
      throw garbage(where, `a ${type.split(';')[0]} document: ${snippet(text)}`);
    }
    const acc = new Accumulator(where, req.onText);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        arm();
        // CRLF → LF; a trailing "\r" waits for its "\n" in the next read.
        buf = (buf + decoder.decode(value, { stream: true })).replace(/\r\n/g, '\n');
        let cut: number;
        while ((cut = buf.indexOf('\n\n')) >= 0) {
          const event = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          if (acc.event(event) === 'done') {
            await reader.cancel().catch(() => {});
            return acc.result();
          }
        }
      }
    } catch (e) {
      return fail(e);
    }
    if (buf.trim() && acc.event(buf) === 'done') return acc.result();
    return acc.result(true);
  } catch (e) {
    return fail(e);
  } finally {
    clearTimeout(timer);
    req.signal.removeEventListener('abort', onTurnAbort);
  }
}

/** Folds SSE events into one Completion. */
class Accumulator {
  private content = '';
  private calls: (ToolCall & { rawIndex: number })[] = [];
  private finishReason: string | null = null;
  private events = 0;

  constructor(
    private readonly where: string,
    private readonly onText?: (chunk: string) => void,
  ) {}

  event(raw: string): 'more' | 'done' {
    const data = raw
      .split('\n')
      .filter((l) => l.startsWith('data:'))
      .map((l) => l.slice(5).replace(/^ /, ''))
      .join('\n');
    const other = raw.split('\n').filter((l) => l.trim() && !l.startsWith('data:') && !l.startsWith(':') && !/^(event|id|retry):/.test(l));
    if (other.length) throw garbage(this.where, snippet(other.join(' ')));
    if (data === '') return 'more'; // a comment or keep-alive
    if (data.trim() === '[DONE]') return 'done';
    let chunk: unknown;
    try {
      chunk = JSON.parse(data);
    } catch {
      throw garbage(this.where, snippet(data));
    }
    this.events++;
    const c = chunk as { error?: { message?: string }; choices?: unknown };
    if (c && typeof c === 'object' && c.error) {
      throw new ProviderError(`The model server at ${this.where} reported an error mid-answer: ${oneLine(c.error.message ?? JSON.stringify(c.error))}`);
    }
    if (!c || typeof c !== 'object' || !Array.isArray(c.choices)) throw garbage(this.where, snippet(data));
    const choice = c.choices[0] as
      | { delta?: { content?: string | null; tool_calls?: unknown[] }; finish_reason?: string | null }
      | undefined;
    if (!choice) return 'more'; // e.g. the usage chunk at the end
    const delta = choice.delta ?? {};
    if (typeof delta.content === 'string' && delta.content) {
      this.content += delta.content;
      this.onText?.(delta.content);
    }
    for (const [pos, raw] of (delta.tool_calls ?? []).entries()) this.toolDelta(raw, pos);
    if (choice.finish_reason) this.finishReason = choice.finish_reason;
    return 'more';
  }

  private toolDelta(raw: unknown, pos: number) {
    const d = raw as { index?: number; id?: string; function?: { name?: string; arguments?: unknown } };
    const rawIndex = typeof d.index === 'number' ? d.index : pos;
    let slot = findLast(this.calls, (c) => c.rawIndex === rawIndex);
    // Ollama reuses index 0 for every call of a parallel batch and tells them apart by id.
    if (!slot || (d.id && slot.id && d.id !== slot.id)) {
      slot = { id: d.id ?? '', name: '', arguments: '', rawIndex };
      this.calls.push(slot);
    }
    if (d.id && !slot.id) slot.id = d.id;
    if (d.function?.name) slot.name += d.function.name;
    const args = d.function?.arguments;
    if (typeof args === 'string') slot.arguments += args;
    else if (args && typeof args === 'object') slot.arguments += JSON.stringify(args);
  }

  result(ended = false): Completion {
    if (ended && this.events === 0) {
      throw new ProviderError(`The model server at ${this.where} closed the stream without answering. Check the server's log; the model may have failed to load.`);
    }
    return {
      content: this.content,
      toolCalls: this.calls.map((c, i) => ({ id: c.id || `call_${i}`, name: c.name, arguments: c.arguments })),
      finishReason: this.finishReason,
    };
  }
}

function fromWholeResponse(where: string, text: string): Completion {
  let body: { choices?: { message?: { content?: string | null; tool_calls?: { id?: string; function?: { name?: string; arguments?: unknown } }[] }; finish_reason?: string }[] };
  try {
    body = JSON.parse(text);
  } catch {
    throw garbage(where, snippet(text));
  }
  const choice = body?.choices?.[0];
  if (!choice?.message) throw garbage(where, snippet(text));
  const m = choice.message;
  return {
    content: m.content ?? '',
    toolCalls: (m.tool_calls ?? []).map((t, i) => ({
      id: t.id ?? `call_${i}`,
      name: t.function?.name ?? '',
      arguments: typeof t.function?.arguments === 'string' ? t.function.arguments : JSON.stringify(t.function?.arguments ?? {}),
    })),
    finishReason: choice.finish_reason ?? null,
  };
}

function httpErrorLine(where: string, status: number, body: string): string {
  let msg = '';
  try {
    const j = JSON.parse(body) as { error?: { message?: string } | string; message?: string };
    msg = (typeof j.error === 'string' ? j.error : j.error?.message) ?? j.message ?? '';
  } catch {
    msg = body;
  }
  const hint =
    status === 401 || status === 403
      ? ' Check the API key (the environment variable named by apiKeyEnv).'
      : status === 404
        ? ' Check that baseUrl ends in /v1 (or the server\'s equivalent) and that the model name exists there.'
        : status === 429
          ? ' The server is rate-limiting; wait and send the message again.'
          : status >= 500
            ? ' The server failed; check its log and try again.'
            : '';
  return `The model server at ${where} answered HTTP ${status}${msg ? `: ${snippet(msg)}` : ''}.${hint}`;
}

function garbage(where: string, what: string): ProviderError {
  return new ProviderError(
    `The model server at ${where} sent a reply that is not an OpenAI-compatible chat completion (${what}). Check that baseUrl points at the server's OpenAI-compatible API (for example http://127.0.0.1:11434/v1 for Ollama).`,
  );
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

function snippet(s: string): string {
  const line = oneLine(s);
  return line.length > 120 ? line.slice(0, 120) + '…' : line || '(empty)';
}

function findLast<T>(xs: T[], f: (x: T) => boolean): T | undefined {
  for (let i = xs.length - 1; i >= 0; i--) if (f(xs[i]!)) return xs[i];
  return undefined;
}
