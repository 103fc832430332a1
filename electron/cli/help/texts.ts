// The long parts of `baton help <command>`: what --json prints (field names are a stable
// contract for scripts), exit codes, and how --remote finds a server. Kept apart from the
// command code so the wording can be read and reviewed in one place.

export const exitCodesHelp = `
Exit codes:
  0  ok
  1  failure (server not reachable, unknown thread, a turn that failed or was interrupted…)
  2  usage (bad arguments or options)
  3  refused by policy (a plain ws:// token to another machine, a fenced or moved thread,
     an approval nobody can answer)`;

export const globalHelp = `
Remote servers (every thread command, resume, fork, approve, handoff):
  --remote ws://127.0.0.1:PORT      a \`baton serve\` on this machine, over its secure channel
                                     (the secureUrl of its server.json; the token is read from
                                     this BATON_HOME's server.json when it is the same server)
  --remote wss://HOST:PORT          another machine, through TLS in front of its secure channel
  --remote unix://PATH              a \`baton serve --socket PATH\` (the socket file's 0600 mode
                                     is the access control)
  --remote NAME                     a host saved with \`baton host add NAME …\`: SSH, install or
                                     reuse its server, port-forward, all underneath
  --remote-auth-token-env VAR       send the bearer token from environment variable VAR
                                     (refused for plain ws:// to a non-loopback address)
The secure channel is Noise (IK with a pinned key, else XX with trust on first use recorded in
BATON_HOME/known_servers). The server admits client keys listed in its authorized_clients:
run \`baton identity\` here and \`baton identity authorize <public-key>\` there.
${exitCodesHelp}
Errors are one line on stderr: what happened, then what to do. With --json they are
{"error":{"code","message","hint"}} on stdout.`;

export const serveHelp = `
Listeners:
  --listen       plain JSON-RPC over WebSocket, loopback only, bearer token required (the token
                 is in BATON_HOME/server.json, mode 0600). The CLI and SSH forwards use it.
  --secure-listen
                 the secure channel: the same token on the WebSocket upgrade, then Noise.
                 \`baton --remote\` uses it. Non-loopback needs --auth-token-env and
                 --allow-non-loopback, and prints a warning.
  --socket PATH  JSON-RPC over a Unix socket (mode 0600) for \`--remote unix://PATH\`.

BATON_HOME/server.json (0600) fields: pid, port, url, version, startedAt, token, securePort,
secureUrl, noisePublicKey (base64), fingerprint (SHA256:…), hostId, socketPath.
--json prints the same object without the token.
${exitCodesHelp}`;

export const identityHelp = `
--json fields: publicKey (base64), fingerprint (SHA256:…), hostId, home.
\`baton identity authorize <public-key> [--name NAME]\` adds a client key to this BATON_HOME's
authorized_clients (what \`baton serve\` admits on the secure channel); \`baton identity revoke\`
removes one; \`baton identity clients\` lists them.
${exitCodesHelp}`;

export const resumeHelp = `
Interactive (a terminal on stdin): prints the last items of the transcript, then streams new
items as they happen. Type a message and press Enter to start a turn; a message typed while a
turn runs waits for it. When the agent asks for approval, answer y (allow), n (deny) or
a (always allow). Ctrl-C interrupts the running turn; a second Ctrl-C (or Ctrl-C when nothing
runs, or Ctrl-D) detaches: the thread keeps running on its host. /interrupt, /detach and /show
work too.

Scripted (stdin is not a terminal): each line of stdin is one message, sent when the previous
turn has finished; while a turn waits for approval the next line answers it
(allow|deny|always, or y|n|a). At end of input the command waits for the running turn, then exits
with 0 (completed), 1 (failed or interrupted).

--cd DIR sets the directory the agent's commands start in (a path on the thread's host, checked
there; recorded in the thread's settings, in effect from the next turn). --last picks the most
recently updated thread of the project that contains that directory (default the current
directory); --all lifts the project restriction. --add-dir DIR (repeatable) adds DIR to the writable roots
of the thread's permission profile before attaching (thread/configure: a settings change
recorded in the thread, in effect from the next turn; DIR must exist on the thread's host).

--json (scripted mode) prints one JSON object per line:
  {"type":"thread","thread":{…ThreadMeta}}
  {"type":"item","item":{…TranscriptItem}}          (new or finished items)
  {"type":"approval","requestId","summary","decision"}
  {"type":"turn","turnId","outcome":"completed|interrupted|failed","error"?}
  {"type":"detached","threadId"}
${exitCodesHelp}`;

export const forkHelp = `
--last, --all and --cd choose the thread as for \`baton resume\`; --cd is also the new thread's
working directory (a path on the thread's host).
Copies the thread's transcript (up to and including --at ITEM, an item id from
\`baton thread show <thread> --json\`), its plan history, approval rules and settings into a new
thread on the same host. Forking a thread whose turn is running ends the fork's copy of that
turn with an interruption marker (turn_interrupted); the original keeps running.

--json prints the new thread: id, title, project, host, branch, worktreePath, status, revision,
forkedFrom {threadId, itemId?}, settings, createdAt…
${exitCodesHelp}`;
