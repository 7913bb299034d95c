/**
 * The streams of one session: open ones by id, and those waiting for a slot under the server's
 * SETTINGS_MAX_CONCURRENT_STREAMS (opened in request order as slots free up). Stream ids are odd and
 * increasing; once they run out the session must be replaced.
 */
import { MAX_STREAM_ID } from './constants.js';
import type { StreamState } from './stream-state.js';

export class StreamTable {
  private readonly open = new Map<number, StreamState>();
  private readonly waiting: StreamState[] = [];
  private nextId = 1;
  /** 0 until the server's first SETTINGS: nothing is sent to a server that has not spoken HTTP/2 yet. */
  maxConcurrent = 0;

  get(id: number): StreamState | undefined {
    return this.open.get(id);
  }

  /** True when `s` is open on this table (not reset, not ended). */
  has(s: StreamState): boolean {
    return s.id !== 0 && this.open.get(s.id) === s;
  }

  get openCount(): number {
    return this.open.size;
  }

  /** Open plus waiting. */
  get total(): number {
    return this.open.size + this.waiting.length;
  }

  openStreams(): IterableIterator<StreamState> {
    return this.open.values();
  }

  get hasSlot(): boolean {
    return this.open.size < this.maxConcurrent;
  }

  /** True once no further stream id can be assigned. */
  get idsExhausted(): boolean {
    return this.nextId > MAX_STREAM_ID;
  }

  /** Gives `s` the next stream id and registers it as open. */
  assign(s: StreamState): void {
    s.id = this.nextId;
    this.nextId += 2;
    this.open.set(s.id, s);
  }

  wait(s: StreamState): void {
    this.waiting.push(s);
  }

  /** The next waiting stream when a slot is free, else undefined. */
  nextReady(): StreamState | undefined {
    return this.waiting.length > 0 && this.hasSlot ? this.waiting.shift() : undefined;
  }

  /** Removes `s` (open or waiting); false when it was in neither. */
  remove(s: StreamState): boolean {
    if (this.has(s)) return this.open.delete(s.id);
    const i = this.waiting.indexOf(s);
    if (i < 0) return false;
    this.waiting.splice(i, 1);
    return true;
  }

  /** Removes and returns the streams the server will not process after GOAWAY(lastStreamId). */
  refuseAbove(lastStreamId: number): StreamState[] {
    const refused = this.waiting.splice(0);
    for (const s of this.open.values()) if (s.id > lastStreamId) refused.push(s);
    for (const s of refused) if (s.id !== 0) this.open.delete(s.id);
    return refused;
  }

  /** Removes and returns every stream. */
  clear(): StreamState[] {
    const all = [...this.waiting.splice(0), ...this.open.values()];
    this.open.clear();
    return all;
  }
}
