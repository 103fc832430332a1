// The projects saved on this host: BATON_HOME/projects.json, written atomically.
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ProjectInfo } from '../../../shared/contracts/rpc';
import { IdentityError, projectIdentity } from '../../../shared/projects/identity';
import { RpcError } from '../../../shared/rpc/errors';
import { inspectRepo } from './repo';

const ProjectsFile = z.object({ version: z.literal(1), projects: z.array(ProjectInfo) });

export class ProjectStore {
  constructor(private readonly file: string) {}

  list(): ProjectInfo[] {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return [];
    }
    const parsed = ProjectsFile.safeParse(safeJson(text));
    if (!parsed.success) {
      throw new RpcError('storageCorrupt', `${this.file} is not a valid projects file.`, 'Fix or remove it (projects are then added again with `baton project add`).');
    }
    return parsed.data.projects;
  }

  /** A project by id or name. */
  get(ref: string): ProjectInfo {
    const all = this.list();
    const p = all.find((x) => x.id === ref) ?? all.find((x) => x.name === ref);
    if (!p) {
      throw new RpcError('notFound', `There is no project "${ref}" on this host.`, `Run \`baton project list\` to see the saved projects, or \`baton project add <dir>\`.`);
    }
    return p;
  }

  async add(dir: string, name?: string): Promise<ProjectInfo> {
    const repo = await inspectRepo(dir);
    let identity: string;
    try {
      identity = projectIdentity({ ...repo });
    } catch (e) {
      if (e instanceof IdentityError) throw new RpcError('invalidProject', `${path.resolve(dir)}: ${e.message}`);
      throw e;
    }
    const all = this.list();
    const projectName = name?.trim() || path.basename(repo.subdir ? path.join(repo.root, repo.subdir) : repo.root);
    const same = all.find((p) => p.root === repo.root && p.subdir === repo.subdir);
    if (same) {
      throw new RpcError('conflict', `${path.join(repo.root, repo.subdir)} is already saved as project "${same.name}".`, 'Use that project, or remove it first with `baton project remove`.');
    }
    if (all.some((p) => p.name === projectName)) {
      throw new RpcError('conflict', `A project named "${projectName}" already exists.`, 'Pick another name with --name.');
    }
    const project: ProjectInfo = {
      id: `p-${randomBytes(6).toString('hex')}`,
      name: projectName,
      root: repo.root,
      subdir: repo.subdir,
      identity,
      originUrl: repo.originUrl,
      addedAt: new Date().toISOString(),
    };
    this.write([...all, project]);
    return project;
  }

  remove(ref: string): ProjectInfo {
    const p = this.get(ref);
    this.write(this.list().filter((x) => x.id !== p.id));
    return p;
  }

  private write(projects: ProjectInfo[]) {
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ version: 1, projects }, null, 2) + '\n', { mode: 0o600 });
    renameSync(tmp, this.file);
  }
}

/** The directory the agent works in for a project: the repository root plus the subdirectory. */
export function projectDir(p: ProjectInfo): string {
  return p.subdir ? path.join(p.root, p.subdir) : p.root;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
