/**
 * Pure helpers of the pattern driver: which prefixes the watchers of one driver watch, and the churn-level
 * cycle (delete a share of a level's prefixes one per tick, then put them back one per tick).
 */
import type { PatternTree } from '@etcdlab/common';

export interface WatchTarget {
  level: number;
  node: number;
}

/**
 * Watch targets per level: a count c picks c prefixes spread evenly over the level (the driver picked
 * them at random), `n` every prefix of the level.
 */
export function watchTargets(tree: PatternTree, counts: readonly (number | 'n')[]): WatchTarget[] {
  const out: WatchTarget[] = [];
  counts.forEach((c, level) => {
    const nodes = tree.prefixCounts[level];
    if (nodes === undefined) return;
    const k = c === 'n' ? nodes : c;
    for (let i = 0; i < k; i++) out.push({ level, node: c === 'n' ? i : Math.floor((i * nodes) / k) % nodes });
  });
  return out;
}

export type ChurnStep = { kind: 'delete'; node: number } | { kind: 'restore'; node: number };

/** One driver's churn-level state: which prefixes are deleted, and whether the cycle deletes or restores. */
export class ChurnCycle {
  private deleting = true;
  private index = 0;
  private readonly churned: number[] = [];
  private readonly taken = new Set<number>();

  constructor(
    /** Prefixes at the churn level. */
    readonly prefixes: number,
    /** How many are deleted per cycle (the driver's preCnt * pct / 100). */
    readonly perCycle: number,
    private readonly random: () => number = Math.random,
  ) {}

  next(): ChurnStep | undefined {
    if (this.perCycle <= 0) return undefined;
    let step: ChurnStep;
    if (this.deleting) {
      let p = Math.floor(this.random() * this.prefixes);
      // A prefix deleted earlier in this cycle is not picked again (the driver's rule).
      while (this.taken.has(p)) p = (p + 1) % this.prefixes;
      this.taken.add(p);
      this.churned[this.index] = p;
      step = { kind: 'delete', node: p };
    } else {
      const p = this.churned[this.index] as number;
      this.taken.delete(p);
      step = { kind: 'restore', node: p };
    }
    if (++this.index >= this.perCycle) {
      this.index = 0;
      this.deleting = !this.deleting;
    }
    return step;
  }
}

/**
 * Whether a key is under one of the watch targets: the key itself, or (prefix watches) any of its
 * `/`-bounded prefixes. Keys that only share a name's start with a target are not awaited.
 */
export function watchCovers(targets: readonly string[], withPrefix: boolean): (key: string) => boolean {
  const set = new Set(targets);
  return (key) => {
    if (set.has(key)) return true;
    if (!withPrefix) return false;
    for (let i = key.indexOf('/', 1); i > 0; i = key.indexOf('/', i + 1)) if (set.has(key.slice(0, i))) return true;
    return false;
  };
}
