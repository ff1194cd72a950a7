import { describe, expect, it } from 'vitest';
import { median, medianAbsDeviation } from './median';

describe('median and MAD', () => {
  it('take the middle of odd and even lists', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBe(0);
    expect(medianAbsDeviation([1, 2, 3, 4, 100])).toBe(1);
  });
});
