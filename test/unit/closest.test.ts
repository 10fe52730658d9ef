import { describe, expect, it } from 'vitest';
import { closestFirst, editDistance } from '../../src/policy/closest.js';

describe('editDistance', () => {
  it('counts insertions, deletions, substitutions and neighbour swaps as one each', () => {
    expect(editDistance('payments', 'payments')).toBe(0);
    expect(editDistance('paymnets', 'payments')).toBe(1); // a swap
    expect(editDistance('payment', 'payments')).toBe(1);
    expect(editDistance('paiments', 'payments')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('abc', '')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });

  it('ignores case and counts code points, not UTF-16 units', () => {
    expect(editDistance('PAYMENTS', 'payments')).toBe(0);
    expect(editDistance('🔥ops', '💧ops')).toBe(1);
  });

  it('is symmetric', () => {
    for (const [a, b] of [
      ['search', 'serach'],
      ['identity', 'ident'],
      ['kms/a', 'kms/b-2026'],
    ] as const) {
      expect(editDistance(a, b)).toBe(editDistance(b, a));
    }
  });
});

describe('closestFirst', () => {
  it('orders by distance, ties by name, drops duplicates and keeps at most the limit', () => {
    const candidates = ['search', 'identity', 'payments', 'payroll', 'payments', 'data-platform', 'mobile', 'ml-research'];
    const shown = closestFirst('paymnets', candidates);
    expect(shown.slice(0, 2)).toEqual(['payments', 'payroll']);
    expect(shown).toHaveLength(5);
    expect(new Set(shown).size).toBe(5);
    // Equal distances in name order.
    expect(closestFirst('zz', ['bb', 'aa', 'cc'])).toEqual(['aa', 'bb', 'cc']);
    expect(closestFirst('paymnets', candidates, 2)).toEqual(['payments', 'payroll']);
    expect(closestFirst('x', [])).toEqual([]);
  });
});
