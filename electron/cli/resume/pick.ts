// `--last`: the thread a person most likely means, asked of the thread's host (its projects,
// its paths: a --cd directory is never translated from this machine).
import type { Methods, MethodTable, Notifications, NotificationTable } from '../../../shared/contracts/rpc';
import type { RpcClient } from '../../../shared/rpc/client';
import { CliError } from '../output';
import { mostRecent, projectForDir } from './decide';

export async function pickLastThread(client: RpcClient<Methods, Notifications> | RpcClient<MethodTable, NotificationTable>, opts: { all: boolean; dir: string; where: string }): Promise<string> {
  const c = client as RpcClient;
  let projectId: string | undefined;
  if (!opts.all) {
    const { projects } = await c.call('project/list', {});
    const project = projectForDir(projects, opts.dir);
    if (!project) {
      throw new CliError(`No saved project on ${opts.where} contains ${opts.dir}.`, 'Run it inside a project folder, pass --cd DIR (a path on that host), use --all for the latest thread of any project, or name the thread.');
    }
    projectId = project.id;
  }
  const { threads } = await c.call('thread/list', { ...(projectId ? { project: projectId } : {}) });
  const last = mostRecent(threads);
  if (!last) throw new CliError(`There is no thread ${projectId ? `in this project on ${opts.where}` : `on ${opts.where}`} to resume.`, 'Start one with `baton thread new --project <name>`, or use --all.');
  return last.id;
}
