// A set of interchangeable workers handed out one job at a time: acquire() waits for an idle
// one, release() returns it (or hands it straight to the longest waiter). Used by the agent's
// worker-thread pool and the browser's Web Worker pool.

export class IdleQueue<T> {
  private readonly idle: T[] = [];
  private readonly waiting: Array<(item: T) => void> = [];

  release(item: T): void {
    const next = this.waiting.shift();
    if (next) next(item);
    else this.idle.push(item);
  }

  acquire(): Promise<T> {
    const item = this.idle.shift();
    return item !== undefined ? Promise.resolve(item) : new Promise((resolve) => this.waiting.push(resolve));
  }

  /** The items idle right now. */
  get idleItems(): readonly T[] {
    return this.idle;
  }
}
