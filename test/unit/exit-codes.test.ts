import { describe, expect, it } from 'vitest';
import { ExitCode, mostSevere } from '../../src/exit-codes.js';

describe('mostSevere', () => {
  it('follows the contract: 70 > 78 > 65 > 69 > 64 > 75 > 4 > 3 > 0', () => {
    const order = [70, 78, 65, 69, 64, 75, 4, 3, 0] as const;
    order.forEach((code, i) => {
      for (const lesser of order.slice(i + 1)) expect(mostSevere([lesser, code])).toBe(code);
    });
    expect(mostSevere([])).toBe(ExitCode.ok);
    expect(mostSevere([ExitCode.dataInvalid, ExitCode.unavailable])).toBe(65);
  });
});
