// `baton project add|list|remove`: the projects saved on this host.
import path from 'node:path';
import type { Command } from 'commander';
import type { ProjectInfo } from '../../../shared/contracts/rpc';
import { commandGroup, runWithSession, withJson } from '../command';
import { printResult } from '../output';

const describe = (p: ProjectInfo) => `${p.name}  ${p.subdir ? path.join(p.root, p.subdir) : p.root}  (${p.identity})`;

export function registerProject(program: Command): void {
  const project = commandGroup(program, 'project', 'saved projects: a Git repository, or a folder of one');

  withJson(project.command('add <dir>').description('save a Git repository (or a subdirectory of one) as a project').option('--name <name>', 'project name (default: the folder name)')).action(
    (dir: string, opts: { name?: string; json?: boolean }) =>
      runWithSession(opts, async ({ client }) => {
        // Resolved here: the server may run with another working directory.
        const { project: p } = await client.call('project/add', { path: path.resolve(dir), ...(opts.name ? { name: opts.name } : {}) });
        printResult(opts, p, () => `Added project ${describe(p)}`);
      }),
  );

  withJson(project.command('list').description('list saved projects')).action((opts: { json?: boolean }) =>
    runWithSession(opts, async ({ client }) => {
      const { projects } = await client.call('project/list', {});
      printResult(opts, projects, () => (projects.length ? projects.map(describe).join('\n') : 'No projects yet. Add one with `baton project add <dir>`.'));
    }),
  );

  withJson(project.command('remove <project>').description('forget a saved project (its threads and files stay)')).action((ref: string, opts: { json?: boolean }) =>
    runWithSession(opts, async ({ client }) => {
      const { removed } = await client.call('project/remove', { project: ref });
      printResult(opts, removed, () => `Removed project ${removed.name}`);
    }),
  );
}
