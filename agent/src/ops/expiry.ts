/**
 * Drops entries older than `limit` from maps whose values are the times they were set and whose
 * insertion order is time order (an entry is deleted before it is set again): the sweep stops at the
 * first young entry, so it costs only what it removes.
 */
export function dropOlderThan(maps: readonly Map<unknown, number>[], limit: number): void {
  for (const map of maps) {
    for (const [key, t] of map) {
      if (t >= limit) break;
      map.delete(key);
    }
  }
}
