// Where a host keeps its state. One directory, BATON_HOME (default ~/.baton), so that tests,
// a second user profile or a remote bootstrap can point a whole app-server somewhere else.
import os from 'node:os';
import path from 'node:path';

export function batonHome(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.BATON_HOME?.trim();
  return path.resolve(fromEnv ? fromEnv : path.join(os.homedir(), '.baton'));
}

export interface HomePaths {
  root: string;
  threads: string;
  index: string;
  projects: string;
  config: string;
  serverInfo: string;
}

export function homePaths(root: string): HomePaths {
  return {
    root,
    threads: path.join(root, 'threads'),
    index: path.join(root, 'threads', 'index.json'),
    projects: path.join(root, 'projects.json'),
    config: path.join(root, 'config.toml'),
    serverInfo: path.join(root, 'server.json'),
  };
}
