/**
 * The in-flight limit of an open loop (its clients): a counting semaphore with a FIFO of waiters, so a
 * start that finds every client busy waits for the first one to free up, without scanning promises.
 */
export class Slots {
  private used = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(readonly capacity: number) {}

  get inUse(): number {
    return this.used;
  }

  /** Takes a slot if one is free. */
  tryAcquire(): boolean {
    if (this.used >= this.capacity) return false;
    this.used++;
    return true;
  }

  /** Waits for a slot (FIFO). */
  acquire(): Promise<void> {
    if (this.tryAcquire()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Waits for a slot until `deadlinePerf` (performance.now() time): true with a slot, false without one. */
  acquireBefore(deadlinePerf: number): Promise<boolean> {
    if (this.tryAcquire()) return Promise.resolve(true);
    if (deadlinePerf === Infinity) return this.acquire().then(() => true);
    const wait = deadlinePerf - performance.now();
    if (!(wait > 0)) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter = () => {
        clearTimeout(timer);
        resolve(true);
      };
      // Given up at the deadline: the waiter leaves the queue, so no slot is ever handed to nobody.
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve(false);
      }, wait);
      this.waiters.push(waiter);
    });
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next(); // the slot passes straight to the next waiter
    else this.used--;
  }

  /** Resolves when nothing is in flight. */
  async idle(): Promise<void> {
    while (this.used > 0) {
      await this.acquire();
      this.release();
      if (this.used > 0) await new Promise((r) => setTimeout(r, 1));
    }
  }
}
