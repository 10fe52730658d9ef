import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../support/virtual-clock.js';

describe('VirtualClock (test harness)', () => {
  const never = new AbortController().signal;

  it('wakes sleepers in order of their deadline, advancing virtual time only', async () => {
    const clock = new VirtualClock();
    const woke: string[] = [];
    const nap = async (name: string, ms: number) => {
      await clock.sleep(ms, never);
      woke.push(`${name}@${clock.now()}`);
    };
    const started = Date.now();
    await clock.run(Promise.all([nap('b', 2_000), nap('a', 500), nap('c', 2_000)]));
    expect(woke).toEqual(['a@500', 'b@2000', 'c@2000']);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('an aborted sleep wakes at once', async () => {
    const clock = new VirtualClock();
    const controller = new AbortController();
    controller.abort();
    await clock.run(clock.sleep(10_000, controller.signal));
    expect(clock.elapsed).toBe(0);
  });

  it('refuses a task that waits on something other than the clock', async () => {
    const clock = new VirtualClock();
    await expect(clock.run(new Promise(() => {}))).rejects.toThrow(/other than the clock/);
  });
});
