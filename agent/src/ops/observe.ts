/**
 * What a fault phase observes beside latencies (plan.observe, docs/faults.md): the stretches without a
 * successful write or read (the availability gaps) and the last acknowledged put of a bounded set of keys
 * (read back by the coordinator's durability check). Pure bookkeeping, no I/O.
 */
import { type AckedPut, GAP_MIN_MS, type OpName } from '@etcdlab/common';

export { valueDigest } from '@etcdlab/common';

export type OpClass = 'write' | 'read';

/** Gaps kept per class and phase: the longest ones when there are more. */
const GAP_KEEP = 256;

const WRITES: readonly OpName[] = ['put', 'delete', 'delete-range', 'txn-put', 'cas', 'create', 'cas-delete', 'put-lease'];
const READS: readonly OpName[] = ['get', 'range'];

/** write / read / neither for an operation of the mix; pattern phases' own names by what they do. */
export function opClass(op: OpName | string): OpClass | undefined {
  if ((WRITES as readonly string[]).includes(op)) return 'write';
  if ((READS as readonly string[]).includes(op)) return 'read';
  if (/^(init-put|churn-|put)/.test(op)) return 'write';
  if (/^(get|list)/.test(op)) return 'read';
  return undefined;
}

type Gap = [number, number];

/** Stretches of time (performance.now() ms) without a success of a class, from the measured start. */
export class GapTracker {
  private readonly last = new Map<OpClass, number>();
  private readonly gaps = new Map<OpClass, Gap[]>();

  constructor(
    private readonly startPerf: number,
    classes: Iterable<OpClass>,
    private readonly minMs = GAP_MIN_MS,
  ) {
    for (const c of classes) this.gaps.set(c, []);
  }

  success(cls: OpClass | undefined, nowPerf: number): void {
    if (cls === undefined || nowPerf < this.startPerf) return;
    const list = this.gaps.get(cls);
    if (!list) return;
    const from = this.last.get(cls) ?? this.startPerf;
    if (nowPerf - from >= this.minMs) {
      list.push([from, nowPerf]);
      if (list.length > 2 * GAP_KEEP) this.gaps.set(cls, longest(list));
    }
    this.last.set(cls, nowPerf);
  }

  /** The gaps up to `endPerf` (a trailing one included), in coordinator ms via `toCoordMs`. */
  finish(endPerf: number, toCoordMs: (perf: number) => number): { write?: Gap[]; read?: Gap[] } {
    const out: { write?: Gap[]; read?: Gap[] } = {};
    for (const [cls, list] of this.gaps) {
      const from = this.last.get(cls) ?? this.startPerf;
      const all = endPerf - from >= this.minMs ? [...list, [from, endPerf] as Gap] : list;
      out[cls] = longest(all).map(([a, b]) => [toCoordMs(a), toCoordMs(b)]);
    }
    return out;
  }
}

function longest(list: Gap[]): Gap[] {
  const kept = list.length > GAP_KEEP ? [...list].sort((a, b) => b[1] - b[0] - (a[1] - a[0])).slice(0, GAP_KEEP) : list;
  return [...kept].sort((a, b) => a[0] - b[0]);
}


/**
 * The last acknowledged put of up to `max` keys: a later put of a tracked key replaces its entry (a
 * higher revision); once full, new keys are not tracked (the set stays a fixed sample of the key space).
 */
export class AckedPuts {
  private readonly byKey = new Map<string, AckedPut>();

  constructor(private readonly max: number) {}

  record(key: Buffer, revision: number, digest: string): void {
    const k = key.toString('base64');
    const known = this.byKey.get(k);
    if (known ? known.revision >= revision : this.byKey.size >= this.max) return;
    this.byKey.set(k, { key: k, revision, value: digest });
  }

  get size(): number {
    return this.byKey.size;
  }

  list(): AckedPut[] {
    return [...this.byKey.values()];
  }
}
