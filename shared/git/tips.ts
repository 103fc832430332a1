// How an incoming branch tip relates to what the destination already has, and what restore
// does about it. Pure functions over plain data: the git edge (electron/app-server/git/restore.ts)
// gathers the facts (tips, merge base, who has the branch checked out) and obeys the decision.

export type TipRelation = 'same' | 'fast-forward' | 'destination-ahead' | 'diverged' | 'unrelated';

export interface TipFacts {
  incoming: string;
  destination: string;
  /** `git merge-base incoming destination`, or null when they share no history. */
  mergeBase: string | null;
}

export function classifyTip({ incoming, destination, mergeBase }: TipFacts): TipRelation {
  if (incoming === destination) return 'same';
  if (mergeBase === null) return 'unrelated';
  if (mergeBase === destination) return 'fast-forward';
  if (mergeBase === incoming) return 'destination-ahead';
  return 'diverged';
}

export interface PlacementFacts {
  /** The source's branch (`refs/heads/x`), or null when the source was detached. */
  branch: string | null;
  incoming: string;
  /** The destination's local branch, if it exists, and how the incoming tip relates to it. */
  local: { tip: string; relation: TipRelation } | null;
  /** A remote-tracking ref for the branch (e.g. `refs/remotes/origin/x`), used when there is no local branch. */
  remote: { ref: string; tip: string; relation: TipRelation } | null;
  /** Another worktree (not the thread's) that has the branch checked out. */
  checkedOutElsewhere: { path: string; clean: boolean } | null;
  /** The user agreed to move the branch away from that other (clean) checkout. */
  allowMoveBranch: boolean;
}

export type Placement =
  /** Check the branch out in the thread's worktree; `update` says how its ref changes first. */
  | {
      kind: 'branch';
      update: 'none' | 'fast-forward' | 'create';
      /** Set when the branch is created from a remote-tracking ref: make it the upstream. */
      upstream: string | null;
      /** Detach this other checkout (on its own commit, files untouched) before taking the branch. */
      detachOther: string | null;
    }
  /** Put the worktree on the incoming commit without a branch; `reason` goes in the review data. */
  | { kind: 'detached'; reason: 'source-detached' | 'checked-out-elsewhere' | 'destination-ahead'; note: string }
  /** Refuse: nothing changes except keeping the incoming commits under refs/baton/incoming/. */
  | { kind: 'stop'; relation: 'diverged' | 'unrelated'; destinationTip: string };

const short = (sha: string) => sha.slice(0, 12);

export function decidePlacement(f: PlacementFacts): Placement {
  if (f.branch === null) {
    return { kind: 'detached', reason: 'source-detached', note: 'The source was on a detached HEAD.' };
  }
  const name = f.branch.replace(/^refs\/heads\//, '');
  if (f.local) {
    const { relation, tip } = f.local;
    if (relation === 'diverged' || relation === 'unrelated') return { kind: 'stop', relation, destinationTip: tip };
    if (relation === 'destination-ahead') {
      // Moving the branch back would drop the destination's newer commits; the snapshot still
      // has to arrive exactly, so it lands detached and the branch is left alone.
      return {
        kind: 'detached',
        reason: 'destination-ahead',
        note: `Branch ${name} on this host is ahead (${short(tip)}) of the incoming ${short(f.incoming)}; the worktree is detached at ${short(f.incoming)} and ${name} is unchanged.`,
      };
    }
    const update = relation === 'same' ? 'none' : 'fast-forward';
    if (f.checkedOutElsewhere) {
      if (f.allowMoveBranch && f.checkedOutElsewhere.clean) {
        return { kind: 'branch', update, upstream: null, detachOther: f.checkedOutElsewhere.path };
      }
      const why = f.checkedOutElsewhere.clean
        ? 'moving it was not allowed'
        : 'that checkout has uncommitted changes';
      return {
        kind: 'detached',
        reason: 'checked-out-elsewhere',
        note: `Branch ${name} is checked out in ${f.checkedOutElsewhere.path} and ${why}; the worktree is detached at ${short(f.incoming)} with ${name} recorded${update === 'fast-forward' ? ` (${name} was not fast-forwarded)` : ''}.`,
      };
    }
    return { kind: 'branch', update, upstream: null, detachOther: null };
  }
  // No local branch: creating one overwrites nothing, whatever the remote-tracking ref says. It
  // tracks that ref as `git switch x` would, unless the two share no history at all.
  const upstream = f.remote && f.remote.relation !== 'unrelated' ? f.remote.ref : null;
  return { kind: 'branch', update: 'create', upstream, detachOther: null };
}
