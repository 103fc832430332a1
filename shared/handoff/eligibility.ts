// Which hosts a thread may move to. Pure: the coordinator gathers the facts (who is connected,
// what each host has saved, which versions they run) and this decides. The UI shows eligible
// hosts as choices and the others greyed with `reason`, so every refusal must read well alone.
import type { HostId } from '../contracts/thread';
import { matchProjects } from '../projects/identity';

/** The handoff wire protocol version. Hosts that speak another one cannot take part. */
export const HANDOFF_PROTOCOL_VERSION = 2;

/** "This computer": the host id of the desktop's embedded app-server. */
export const LOCAL_HOST: HostId = 'local';

export interface ProjectKey {
  /** Project identity: repository key plus subdirectory (shared/projects/identity.ts). */
  identity: string;
  /** Subdirectory inside the repository, '' for the root (for messages; identity already holds it). */
  subdir: string;
}

export interface EligibilityThread {
  host: HostId;
  project: ProjectKey;
}

export interface CandidateHost {
  id: HostId;
  /** Only hosts with a live channel (SSH-connected, or this computer) can receive a thread. */
  connected: boolean;
  /** Undefined when the host never answered `initialize` (then it is not connected either). */
  protocolVersion?: number;
  serverVersion?: string;
  projects: readonly ProjectKey[];
}

export type IneligibleReason = 'same-host' | 'not-connected' | 'version-skew' | 'no-matching-project' | 'subdirectory-differs';

export type Eligibility =
  | { eligible: true; project: ProjectKey }
  | { eligible: false; reason: IneligibleReason; message: string };

export function checkDestination(thread: EligibilityThread, host: CandidateHost, protocolVersion = HANDOFF_PROTOCOL_VERSION): Eligibility {
  // Order matters for the message: the most fundamental reason wins, so a user does not fix a
  // project mismatch only to learn the host was never reachable.
  if (host.id === thread.host) {
    return refuse('same-host', `The thread already lives on ${label(host.id)}; pick another host.`);
  }
  if (!host.connected) {
    return refuse('not-connected', `${label(host.id)} is not connected. Connect to it first, then try again.`);
  }
  if (host.protocolVersion !== protocolVersion) {
    const theirs = host.protocolVersion === undefined ? 'an unknown version' : `handoff protocol ${host.protocolVersion}`;
    const server = host.serverVersion ? ` (Baton ${host.serverVersion})` : '';
    return refuse(
      'version-skew',
      `${label(host.id)} runs ${theirs}${server}, this host speaks handoff protocol ${protocolVersion}. Update Baton on both hosts to the same version.`,
    );
  }
  // One matcher decides "same project" everywhere (shared/projects/identity.ts).
  const verdicts = host.projects.map((p) => ({ p, match: matchProjects(thread.project.identity, p.identity) }));
  const same = verdicts.find((v) => v.match === 'same');
  if (same) return { eligible: true, project: same.p };
  const sameRepo = verdicts.filter((v) => v.match === 'same-repo-other-subdir').map((v) => v.p);
  if (sameRepo.length === 0) {
    return refuse(
      'no-matching-project',
      `${label(host.id)} has no saved project for ${thread.project.identity}. Add the repository there as a project (baton project add).`,
    );
  }
  const have = sameRepo.map((p) => `"${p.subdir || '/'}"`).join(', ');
  return refuse(
    'subdirectory-differs',
    `${label(host.id)} has this repository saved with subdirectory ${have}, the thread works in "${thread.project.subdir || '/'}". Save the project with the same subdirectory there.`,
  );
}

/** Every candidate with its verdict, in the order given (the UI keeps its own sorting). */
export function listDestinations(thread: EligibilityThread, hosts: readonly CandidateHost[]): Array<{ host: HostId } & Eligibility> {
  return hosts.map((h) => ({ host: h.id, ...checkDestination(thread, h) }));
}

function refuse(reason: IneligibleReason, message: string): Eligibility {
  return { eligible: false, reason, message };
}

function label(host: HostId): string {
  return host === LOCAL_HOST ? 'This computer' : `Host "${host}"`;
}
