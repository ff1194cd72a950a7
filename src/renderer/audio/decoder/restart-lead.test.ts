import { describe, expect, it } from 'vitest';
import { restartLeadSec } from './restart-lead';

describe('restart lead', () => {
  it('doubles with each restart in a row, up to its limit', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 9].map((n) => restartLeadSec(n))).toEqual([0.25, 0.5, 1, 2, 4, 8, 8, 8]);
  });
});
