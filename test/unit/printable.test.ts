import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { printable, printableJson } from '../../src/printable.js';

const UNPRINTABLE = /[\u0000-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069\u200B\u200E\u200F\uFEFF]/u;

describe('printable: the one door for database text', () => {
  it('turns terminal escapes into nothing that can drive a terminal', () => {
    expect(printable('evil\u001b[2K\u001b[1Ateam')).toBe('evil [2K [1Ateam');
    expect(printable('csi\u009b2Kteam')).toBe('csi 2Kteam');
    expect(printable('a\r\nb\tc')).toBe('a b c');
  });

  it('removes bidi overrides and invisible characters; keeps emoji whole', () => {
    expect(printable('\u202Egnp.exe\u202C x\u200B')).toBe('gnp.exe x');
    expect(printable('👩‍💻 🏴󠁧󠁢󠁳󠁣󠁴󠁿')).toBe('👩‍💻 🏴󠁧󠁢󠁳󠁣󠁴󠁿');
  });

  it('leaves ordinary text untouched (the same string) and does not cut long values', () => {
    const plain = 'payments-team kms/payments-signing-2026-01';
    expect(printable(plain)).toBe(plain);
    expect(printable('x'.repeat(10_000))).toHaveLength(10_000);
    expect(printable('a\u00A0b')).toBe('a b');
  });

  it('is idempotent and never leaves a control, separator or bidi character (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (text) => {
        const once = printable(text);
        expect(once).not.toMatch(UNPRINTABLE);
        expect(printable(once)).toBe(once);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('printableJson', () => {
  it('escapes what JSON.stringify leaves raw, and parses back to exactly the same value', () => {
    const value = { id: 'x\u009b2K\u001b[1A\u2028\u202Ey' };
    const text = printableJson(value, 2);
    expect(text).not.toMatch(/[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E]/);
    expect(JSON.parse(text)).toEqual(value);
  });
});
