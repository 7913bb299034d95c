import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeqRanges } from '../src/results/seq-ranges.js';

describe('seen sequence numbers', () => {
  it('answers exactly like a set of every number, whatever the order and duplicates (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 200 }), { maxLength: 400 }), (seqs) => {
        const ranges = new SeqRanges();
        const model = new Set<number>();
        for (const s of seqs) {
          expect(ranges.add(s)).toBe(!model.has(s));
          model.add(s);
        }
      }),
    );
  });

  it('stays one range for a day of in-order reports, and rejoins after reordering', () => {
    const r = new SeqRanges();
    for (let s = 3600; s < 3600 + 86_400; s++) r.add(s);
    expect(r.rangeCount).toBe(1);
    const late = new SeqRanges();
    for (const s of [0, 1, 4, 3, 6, 2, 5]) late.add(s);
    expect(late.rangeCount).toBe(1);
    expect(late.add(4)).toBe(false);
  });
});
