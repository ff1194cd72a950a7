import { describe, expect, it } from 'vitest';
import { StepDetector } from './step-detector';

describe('StepDetector', () => {
  it('confirms a step after enough far readings in a row on one side', () => {
    const d = new StepDetector(8, 3);
    expect(d.check(105, 1000, 100)).toEqual({ kind: 'near' });
    expect(d.check(125, 1040, 100)).toEqual({ kind: 'suspect' });
    expect(d.check(126, 1080, 100)).toEqual({ kind: 'suspect' });
    expect(d.check(124, 1120, 100)).toEqual({
      kind: 'step',
      offsets: [125, 126, 124],
      times: [1040, 1080, 1120],
    });
    // The suspects went into the step: a new far reading starts over.
    expect(d.check(125, 1160, 100)).toEqual({ kind: 'suspect' });
  });

  it('starts over when a far reading lands on the other side, or when cleared', () => {
    const d = new StepDetector(8, 3);
    d.check(120, 0, 100);
    d.check(120, 40, 100);
    expect(d.check(80, 80, 100)).toEqual({ kind: 'suspect' });
    expect(d.check(80, 120, 100)).toEqual({ kind: 'suspect' });
    d.clear();
    expect(d.check(80, 160, 100)).toEqual({ kind: 'suspect' });
  });

  it('counts steps and keeps the last one', () => {
    const d = new StepDetector(8, 3);
    expect([d.steps, d.lastStepMs]).toEqual([0, 0]);
    d.count(-25);
    d.count(12);
    expect([d.steps, d.lastStepMs]).toEqual([2, 12]);
  });
});
