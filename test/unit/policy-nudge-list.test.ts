import { describe, expect, it } from 'vitest';
import { NudgeList } from '../../src/policy/nudge-list.js';

const TIERS = [{ name: 'gentle' }, { name: 'firm' }, { name: 'critical' }];

describe('NudgeList', () => {
  it('gives back the ids in order, each with its tier name, and their count', () => {
    const list = new NudgeList(['b', 'a', 'c'], [2, 0, 1], TIERS);
    expect(list.count).toBe(3);
    expect(list.ids()).toEqual(['b', 'a', 'c']);
    expect(list.tiers()).toEqual(['critical', 'gentle', 'firm']);
    expect(JSON.parse(JSON.stringify(list))).toEqual({ ids: ['b', 'a', 'c'], tiers: ['critical', 'gentle', 'firm'] });
  });

  it('keeps any text an id can hold exactly: quotes, backslashes, separators, emoji, lone surrogates', () => {
    const ids = ['"quoted"', 'back\\slash', 'a,b', '{"x","y"}', 'tab\tnew\nline', '🔑 key', '\ud800alone', '', ' '];
    const list = new NudgeList(
      ids,
      ids.map(() => 0),
      TIERS,
    );
    expect(list.ids()).toEqual(ids);
  });

  it('hands out a fresh array each time: a caller cannot change what is recorded', () => {
    const list = new NudgeList(['a'], [0], TIERS);
    list.ids().push('intruder');
    list.tiers()[0] = 'critical';
    expect(list.toJSON()).toEqual({ ids: ['a'], tiers: ['gentle'] });
  });

  it('refuses ids and tiers of different lengths, and a tier index that names no tier', () => {
    expect(() => new NudgeList(['a', 'b'], [0], TIERS)).toThrow('2 ids but 1 tiers');
    expect(() => new NudgeList(['a'], [3], TIERS)).toThrow('tier index 3 out of range');
    expect(() => new NudgeList(['a'], [-1], TIERS)).toThrow('tier index -1 out of range');
    expect(() => new NudgeList(['a'], [0.5], TIERS)).toThrow('tier index 0.5 out of range');
  });

  it('is empty for no ids', () => {
    const list = new NudgeList([], [], TIERS);
    expect([list.count, list.ids(), list.tiers()]).toEqual([0, [], []]);
  });
});
