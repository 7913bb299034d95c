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
