/**
 * Deadlines of many streams with one timer. Streams with the same timeout expire in the order they were
 * added, so each distinct timeout keeps a FIFO (an intrusive doubly linked list through the streams
 * themselves): adding and removing allocate nothing, and the timer is only re-armed when it fires or when
 * a new deadline comes before the armed one. A per-call setTimeout would allocate a Timeout per call.
 */

/** What the queue needs on an item; StreamState provides it. */
export interface Deadlined {
  dueAt: number;
  dPrev: Deadlined | null;
  dNext: Deadlined | null;
  dList: DeadlineList | null;
  /** Called once when the deadline passes (the item is already removed). */
  onDeadline(): void;
}

export class DeadlineList {
  head: Deadlined | null = null;
  tail: Deadlined | null = null;
}

/** Bound on lists kept around empty, so random timeouts cannot grow the map forever. */
const MAX_IDLE_LISTS = 64;

export class DeadlineQueue {
  private readonly lists = new Map<number, DeadlineList>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private readonly fireBound = (): void => this.fire();

  /** Arms `item` to expire `timeoutMs` after `nowPerf`. */
  add(item: Deadlined, timeoutMs: number, nowPerf: number): void {
    let list = this.lists.get(timeoutMs);
    if (list === undefined) {
      if (this.lists.size >= MAX_IDLE_LISTS) this.dropEmptyLists();
      this.lists.set(timeoutMs, (list = new DeadlineList()));
    }
    item.dueAt = nowPerf + timeoutMs;
    item.dList = list;
    item.dNext = null;
    item.dPrev = list.tail;
    if (list.tail !== null) list.tail.dNext = item;
    else list.head = item;
    list.tail = item;
    if (item.dueAt < this.timerAt) this.arm(item.dueAt, nowPerf);
  }

  /** Disarms `item` (no-op when it is not queued). */
  remove(item: Deadlined): void {
    const list = item.dList;
    if (list === null) return;
    if (item.dPrev !== null) item.dPrev.dNext = item.dNext;
    else list.head = item.dNext;
    if (item.dNext !== null) item.dNext.dPrev = item.dPrev;
    else list.tail = item.dPrev;
    item.dPrev = item.dNext = null;
    item.dList = null;
  }

  /** Stops the timer; queued items never fire. */
  clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
    this.lists.clear();
  }

  private arm(at: number, nowPerf: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerAt = at;
    // Timers may fire a little early or late; fire() re-checks against the clock and re-arms.
    this.timer = setTimeout(this.fireBound, Math.max(1, Math.ceil(at - nowPerf)));
    this.timer.unref(); // in-flight streams keep their socket ref'd; a deadline alone must not
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = performance.now();
    let next = Infinity;
    for (const list of this.lists.values()) {
      let item = list.head;
      while (item !== null && item.dueAt <= now) {
        this.remove(item);
        item.onDeadline();
        item = list.head;
      }
      if (item !== null && item.dueAt < next) next = item.dueAt;
    }
    // onDeadline may have added items (and armed the timer); keep the earliest.
    if (next < this.timerAt) this.arm(next, performance.now());
  }

  private dropEmptyLists(): void {
    for (const [ms, list] of this.lists) if (list.head === null) this.lists.delete(ms);
  }
}
