import { describe, expect, it } from 'vitest';
import { createTurn } from '../../src/pipeline/turn.js';

describe('createTurn: one database turn shared by the harvest and the deliveries', () => {
  it('runs each piece of work only after the one before it settled, in the order asked', async () => {
    const turn = createTurn();
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = turn(async () => {
      log.push('first starts');
      await gate;
      log.push('first ends');
    });
    const second = turn(() => {
      log.push('second');
      return Promise.resolve(2);
    });
    await Promise.resolve();
    expect(log).toEqual(['first starts']);
    release();
    await first;
    expect(await second).toBe(2);
    expect(log).toEqual(['first starts', 'first ends', 'second']);
  });

  it('a failed piece rejects its own caller only; the next one still runs', async () => {
    const turn = createTurn();
    const failed = turn(() => Promise.reject(new Error('statement failed')));
    const next = turn(() => Promise.resolve('ran'));
    await expect(failed).rejects.toThrow('statement failed');
    await expect(next).resolves.toBe('ran');
  });
});
