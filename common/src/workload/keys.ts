import type { AgentPhasePlan } from './plan-schema.js';
import { formatKey, sequentialKeyIndex } from './plan.js';

/**
 * Zipf over ranks 1..n with exponent s > 0 by rejection-inversion (Hörmann and Derflinger, 1996): O(1)
 * per draw and no table, so it works for key spaces of any size.
 */
export class ZipfSampler {
  private readonly hX1: number;
  private readonly hN: number;
  private readonly sBound: number;

  constructor(
    readonly n: number,
    readonly s: number,
    private readonly random: () => number = Math.random,
  ) {
    if (!(n >= 1) || !(s > 0)) throw new RangeError(`ZipfSampler needs n >= 1 and s > 0, got n=${n} s=${s}`);
    this.hX1 = this.hIntegral(1.5) - 1;
    this.hN = this.hIntegral(n + 0.5);
    this.sBound = 2 - this.hIntegralInverse(this.hIntegral(2.5) - this.h(2));
  }

  /** A rank in [1, n]; 1 is the most frequent. */
  next(): number {
    for (;;) {
      const u = this.hN + this.random() * (this.hX1 - this.hN);
      const x = this.hIntegralInverse(u);
      let k = Math.floor(x + 0.5);
      if (k < 1) k = 1;
      else if (k > this.n) k = this.n;
      if (k - x <= this.sBound || u >= this.hIntegral(k + 0.5) - this.h(k)) return k;
    }
  }

  private h(x: number): number {
    return Math.exp(-this.s * Math.log(x));
  }

  private hIntegral(x: number): number {
    const logX = Math.log(x);
    return helper2((1 - this.s) * logX) * logX;
  }

  private hIntegralInverse(x: number): number {
    let t = x * (1 - this.s);
    if (t < -1) t = -1; // numerical safety near the bounds
    return Math.exp(helper1(t) * x);
  }
}

/** log1p(x) / x, continuous at 0. */
function helper1(x: number): number {
  return Math.abs(x) > 1e-8 ? Math.log1p(x) / x : 1 - x / 2 + (x * x) / 3;
}

/** expm1(x) / x, continuous at 0. */
function helper2(x: number): number {
  return Math.abs(x) > 1e-8 ? Math.expm1(x) / x : 1 + x / 2 + (x * x) / 6;
}

/** Picks key indexes for an agent's plan. Sequential follows the operation number; others draw. */
export class KeyPicker {
  private readonly zipf: ZipfSampler | undefined;
  private readonly hotCount: number;

  constructor(
    readonly keys: AgentPhasePlan['keys'],
    private readonly random: () => number = Math.random,
  ) {
    this.zipf = keys.distribution === 'zipf' ? new ZipfSampler(keys.space, keys.zipf ?? 0.99, random) : undefined;
    this.hotCount = keys.hot ? Math.min(keys.space, Math.max(1, Math.round(keys.space * keys.hot.keys))) : 0;
  }

  /** Key index for operation j (element t of a multi-key operation). */
  index(j: number, t = 0): number {
    const k = this.keys;
    switch (k.distribution) {
      case 'sequential':
        return sequentialKeyIndex(k, j, t);
      case 'uniform':
        return Math.floor(this.random() * k.space);
      case 'zipf':
        // Rank 1 is key 0: the hottest keys sit at the start of the space.
        return (this.zipf as ZipfSampler).next() - 1;
      case 'hot': {
        const hot = this.hotCount;
        if (hot >= k.space || this.random() < (k.hot?.ops ?? 0)) return Math.floor(this.random() * hot);
        return hot + Math.floor(this.random() * (k.space - hot));
      }
    }
  }

  /** The key text of an index, padded to its size (a ranged size is fixed per index, so a key never changes). */
  key(index: number): string {
    const base = formatKey(this.keys, index);
    const size = this.keys.size;
    if (!size || size.min === size.max) return base;
    const digits = base.length - this.keys.prefix.length;
    const len = size.min + (mix(index) % (size.max - size.min + 1));
    return len > digits ? base + 'x'.repeat(len - digits) : base;
  }
}

/** A cheap integer hash (for per-key sizes). */
function mix(n: number): number {
  let h = Math.imul(n ^ (n >>> 16), 0x45d9f3b);
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  return (h ^ (h >>> 16)) >>> 0;
}
