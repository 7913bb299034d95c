/**
 * Splits an integer total into integer shares proportional to weights so that the shares add up to the
 * total exactly (largest remainder method). Ties go to the lower index, so the same input always gives
 * the same shares.
 */
export function splitInteger(total: number, weights: readonly number[]): number[] {
  if (!Number.isInteger(total) || total < 0) throw new RangeError(`splitInteger: total must be a non-negative integer, got ${total}`);
  if (weights.length === 0) throw new RangeError('splitInteger: no weights');
  if (weights.some((w) => !(w >= 0) || !Number.isFinite(w))) throw new RangeError('splitInteger: weights must be finite and >= 0');
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum === 0) {
    if (total === 0) return weights.map(() => 0);
    throw new RangeError('splitInteger: all weights are 0 but the total is not');
  }
  const exact = weights.map((w) => (total * w) / sum);
  const shares = exact.map(Math.floor);
  let left = total - shares.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => ({ i, frac: e - Math.floor(e) })).sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (let k = 0; left > 0; k = (k + 1) % order.length, left--) shares[(order[k] as { i: number }).i]! += 1;
  return shares;
}

/** Splits a real-valued total (a rate) into shares that add up to it, proportional to integer weights. */
export function splitRate(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum === 0) return weights.map(() => 0);
  const shares = weights.map((w) => (total * w) / sum);
  // Give the floating-point residue to the last non-zero share so the sum is the total.
  const last = shares.map((s, i) => (s > 0 ? i : -1)).reduce((a, b) => Math.max(a, b), -1);
  if (last >= 0) shares[last] = total - shares.reduce((a, s, i) => (i === last ? a : a + s), 0);
  return shares;
}
