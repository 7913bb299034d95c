/** Picks operations by weight with a cumulative table: one random draw per pick. */
export class WeightedPicker<T extends string> {
  private readonly names: T[];
  private readonly cumulative: number[];
  private readonly total: number;

  constructor(
    weights: ReadonlyMap<T, number>,
    private readonly random: () => number = Math.random,
  ) {
    const entries = [...weights].filter(([, w]) => w > 0);
    if (entries.length === 0) throw new RangeError('WeightedPicker: no entry has a weight above 0');
    this.names = entries.map(([n]) => n);
    let acc = 0;
    this.cumulative = entries.map(([, w]) => (acc += w));
    this.total = acc;
  }

  pick(): T {
    if (this.names.length === 1) return this.names[0] as T;
    const x = this.random() * this.total;
    for (let i = 0; i < this.cumulative.length; i++) if (x < (this.cumulative[i] as number)) return this.names[i] as T;
    return this.names[this.names.length - 1] as T;
  }
}
