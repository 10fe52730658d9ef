import { setImmediate as turn } from 'node:timers/promises';
import type { Clock } from '../../src/slack/deliver/notifier.js';

/**
 * Virtual time for code that paces itself through a `Clock`: nothing really waits. `run(task)`
 * lets the task go until every piece of it is waiting on the clock (one event-loop turn with
 * nothing left to do), then jumps to the earliest wake-up and wakes it, until the task settles.
 * Deterministic as long as the task's other waiting is on promises that settle by themselves
 * (a fake client answering at once, or after `clock.sleep`).
 */
export class VirtualClock implements Clock {
  private time = 0;
  private sequence = 0;
  private timers: Array<{ at: number; order: number; wake: () => void }> = [];

  now = (): number => this.time;

  sleep = (ms: number, signal: AbortSignal): Promise<void> => {
    if (ms <= 0 || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = { at: this.time + ms, order: this.sequence++, wake: () => resolve() };
      this.timers.push(timer);
      signal.addEventListener(
        'abort',
        () => {
          this.timers = this.timers.filter((t) => t !== timer);
          resolve();
        },
        { once: true },
      );
    });
  };

  /** Milliseconds of virtual time since the clock was made. */
  get elapsed(): number {
    return this.time;
  }

  async run<T>(task: Promise<T>): Promise<T> {
    let settled = false;
    void task.then(
      () => (settled = true),
      () => (settled = true),
    );
    for (;;) {
      await turn();
      if (settled) return task;
      const next = this.timers.sort((a, b) => a.at - b.at || a.order - b.order).shift();
      if (!next) {
        await turn();
        if (settled) return task;
        throw new Error('VirtualClock: the task waits on something other than the clock');
      }
      this.time = Math.max(this.time, next.at);
      next.wake();
    }
  }
}
