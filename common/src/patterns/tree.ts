import type { ParsedPattern, PatternLevel } from './parse.js';
import { WORKLOAD_BOUNDS } from '../workload/bounds.js';
import { regexGenerator } from './randexp.js';
import { hashSeed, seededRandom } from './rng.js';
import { driverIp } from './rules.js';

/**
 * The key tree one driver of a pattern expands to, computed on demand rather than stored: node n at
 * level l has parent floor(n / count_l) and is the (n mod count_l)-th child, in the depth-first order
 * the driver generates keys in. Leaves (keys) are the nodes of the last level.
 *
 * Random segments (`!regex` levels, `:clusterid`-style rules) are drawn from a PRNG seeded by the run,
 * the driver, the level and the node, so every agent and every call sees the same tree. (The driver drew
 * `!regex` segments afresh on every call; a stable tree lets churn and gets find the keys they put.)
 */
export interface PatternTreeOptions {
  /** Index of the simulated driver (gives `:ip` and the random segments). */
  driver: number;
  /** Seed text, e.g. the run id, so different runs get different random segments. */
  seed: string;
  /** Prepended to every key, e.g. `etcdlab/<run-id>` ('' = keys as the pattern writes them). */
  root: string;
}

/** Above this many keys per driver a pattern is refused (node indexes must stay exact doubles). */
export const MAX_PATTERN_KEYS = WORKLOAD_BOUNDS.patternKeys;
const SEGMENT_CACHE_LIMIT = 100_000;

export class PatternTree {
  /** prefixCounts[l] = number of nodes at level l. */
  readonly prefixCounts: readonly number[];
  private readonly cache = new Map<string, string>();

  constructor(
    readonly pattern: ParsedPattern,
    readonly opts: PatternTreeOptions,
  ) {
    const counts: number[] = [];
    let n = 1;
    for (const level of pattern.levels) counts.push((n *= level.count));
    this.prefixCounts = counts;
  }

  get depth(): number {
    return this.pattern.levels.length;
  }

  get keyCount(): number {
    return this.prefixCounts[this.depth - 1] as number;
  }

  /** The segment of node `node` at `level` (without slashes). */
  segment(level: number, node: number): string {
    const l = this.pattern.levels[level] as PatternLevel;
    const i = node % l.count;
    switch (l.kind) {
      case 'literal':
        return l.literal as string;
      case 'format':
        return (l.format as (n: number) => string)(i);
      case 'rule': {
        const rule = l.rule!;
        if (rule.kind === 'list') return rule.values[i] as string;
        if (rule.kind === 'ip') return driverIp(this.opts.driver);
        // One value per driver, like the driver's rules with a count of 1.
        return this.random(level, 0, rule.regex);
      }
      case 'regex':
        return this.random(level, node, l.regex as string);
    }
  }

  /** Key text of node `node` at `level`: root + "/" + seg_0 + ... + "/" + seg_level. */
  prefix(level: number, node: number): string {
    const nodes = new Array<number>(level + 1);
    let n = node;
    for (let l = level; l >= 0; l--) {
      nodes[l] = n;
      n = Math.floor(n / (this.pattern.levels[l] as PatternLevel).count);
    }
    let out = this.opts.root;
    for (let l = 0; l <= level; l++) out += '/' + this.segment(l, nodes[l] as number);
    return out;
  }

  /** The key of leaf `index` (0 .. keyCount-1). */
  key(index: number): string {
    return this.prefix(this.depth - 1, index);
  }

  /** Leaves under node `node` of `level`: [first, first + count). */
  leaves(level: number, node: number): { first: number; count: number } {
    const count = this.keyCount / (this.prefixCounts[level] as number);
    return { first: node * count, count };
  }

  private random(level: number, node: number, regex: string): string {
    const id = `${level}:${node}`;
    const hit = this.cache.get(id);
    if (hit !== undefined) return hit;
    const s = regexGenerator(regex, seededRandom(hashSeed(`${this.opts.seed}|${this.opts.driver}|${id}`))).gen();
    if (this.cache.size >= SEGMENT_CACHE_LIMIT) this.cache.clear();
    this.cache.set(id, s);
    return s;
  }
}

/** Prefixes per level and keys of one driver, without building a tree (for explain and validation). */
export function patternCounts(p: ParsedPattern): { perLevel: number[]; keys: number } {
  const perLevel: number[] = [];
  let n = 1;
  for (const l of p.levels) perLevel.push((n *= l.count));
  return { perLevel, keys: n };
}
