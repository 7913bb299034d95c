/**
 * What the agent has seen of etcd's revisions: the newest header revision (for `revision: last` reads
 * and compaction) and each key's last known mod revision (for compare-and-set). The per-key cache is
 * bounded: past the bound it starts afresh, and a CAS on a key it forgot simply compares with 0.
 */
const KEY_CACHE_LIMIT = 200_000;

export class RevisionTracker {
  private newest = 0;
  private readonly byKey = new Map<string, number>();
  private compacted = 0;

  get latest(): number {
    return this.newest;
  }

  seen(revision: number | undefined): void {
    if (revision !== undefined && revision > this.newest) this.newest = revision;
  }

  modRevision(key: string): number {
    return this.byKey.get(key) ?? 0;
  }

  setModRevision(key: string, revision: number): void {
    if (this.byKey.size >= KEY_CACHE_LIMIT && !this.byKey.has(key)) this.byKey.clear();
    if (revision > 0) this.byKey.set(key, revision);
    else this.byKey.delete(key);
    this.seen(revision);
  }

  /** The revision a compaction keeping `retain` revisions would use, or undefined when there is none yet. */
  compactTarget(retain: number): number | undefined {
    const target = this.newest - retain;
    return target > this.compacted ? target : undefined;
  }

  compactedTo(revision: number): void {
    if (revision > this.compacted) this.compacted = revision;
  }
}
