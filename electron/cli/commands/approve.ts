// `baton approve <thread> <request-id> allow|deny|always`: answers an approval request.
import { Argument, type Command } from 'commander';
import { runWithSession, withJson } from '../command';
import { printResult } from '../output';

export function registerApprove(program: Command): void {
  withJson(
    program
      .command('approve')
      .description('answer an approval request of a running turn')
      .argument('<thread>', 'thread id, id prefix or title')
      .argument('<request-id>', 'the request id shown by `baton thread show`')
      .addArgument(new Argument('<decision>', 'allow once, deny, or always allow this').choices(['allow', 'deny', 'always'])),
  ).action((thread: string, requestId: string, decision: 'allow' | 'deny' | 'always', opts: { json?: boolean }) =>
    runWithSession(opts, async ({ client }) => {
      const r = await client.call('approval/respond', { thread, requestId, decision });
      printResult(opts, { ...r, decision }, () => `${decision === 'deny' ? 'Denied' : 'Allowed'}${decision === 'always' ? ' (always)' : ''} ${requestId} in thread ${r.threadId}`);
    }),
  );
}
