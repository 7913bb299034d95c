import type { OpName } from '@etcdlab/common';

/** Picks operations by weight with a cumulative table: one random draw per pick. */
export class OpPicker {
  private readonly names: OpName[];
  private readonly cumulative: number[];
  private readonly total: number;

  constructor(weights: Partial<Record<OpName, number>>, private readonly random: () => number = Math.random) {
    const entries = (Object.entries(weights) as [OpName, number][]).filter(([, w]) => w > 0);
    if (entries.length === 0) throw new RangeError('OpPicker: no operation has a weight above 0');
    this.names = entries.map(([n]) => n);
    let acc = 0;
    this.cumulative = entries.map(([, w]) => (acc += w));
    this.total = acc;
  }

  pick(): OpName {
    if (this.names.length === 1) return this.names[0] as OpName;
    const x = this.random() * this.total;
    for (let i = 0; i < this.cumulative.length; i++) if (x < (this.cumulative[i] as number)) return this.names[i] as OpName;
    return this.names[this.names.length - 1] as OpName;
  }
}
