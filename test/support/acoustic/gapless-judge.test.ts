import { describe, expect, it } from 'vitest';
import { disturbanceTimes, judgeGapless } from './gapless-judge';

const RATE = 48_000;
const at = (sec: number) => Math.round(sec * RATE);

describe('judgeGapless', () => {
  const boundaries = [at(2.4), at(4.4), at(6.9), at(9.0)];

  it("puts a break at a change of track on the player, with the play head's drift allowed for", () => {
    // 500 ppm over 9 s is 4.5 ms: a break 12 ms after the last change is still that change's.
    const v = judgeGapless({
      faults: [{ atFrame: at(9.012), kind: 'step' }],
      boundaries,
      disturbances: [],
      rate: RATE,
      maxPpm: 500,
    });
    expect(v.atBoundaries).toHaveLength(1);
    expect(v.unexplained).toHaveLength(0);
    expect(v.clearBoundaries).toBe(4);
  });

  it('puts a break just after a change of track on the change, even with a disturbance reported', () => {
    const v = judgeGapless({
      faults: [{ atFrame: at(4.48), kind: 'quiet' }],
      boundaries,
      disturbances: [at(4.6)],
      rate: RATE,
      maxPpm: 500,
    });
    expect(v.atBoundaries).toEqual([{ atFrame: at(4.48), kind: 'quiet' }]);
    expect(v.excused).toHaveLength(0);
  });

  it('excuses a break the output explains, and says which changes it could not judge', () => {
    const v = judgeGapless({
      faults: [
        { atFrame: at(3.2), kind: 'quiet' },
        { atFrame: at(5.5), kind: 'step' },
      ],
      boundaries,
      // A render underrun reported at 3.5 s (after the silence it caused).
      disturbances: [at(3.5)],
      rate: RATE,
      maxPpm: 500,
    });
    expect(v.excused).toEqual([{ atFrame: at(3.2), kind: 'quiet' }]);
    expect(v.unexplained).toEqual([{ atFrame: at(5.5), kind: 'step' }]);
    expect(v.atBoundaries).toHaveLength(0);
    // The change at 2.4 s lies within 1.5 s before the report: not judged.
    expect(v.clearBoundaries).toBe(3);
  });
});

describe('disturbanceTimes', () => {
  it("reads the output's disturbances, the re-positions and late starts, not the decoder's underruns or starts on time", () => {
    expect(
      disturbanceTimes([
        '+0.32s start at 0.000 s of the track',
        '+3.23s render underrun: 2 glitches, 42.7 ms',
        '+4.10s output clock moved -23.29 ms',
        '+4.15s re-positioned (error -23.29 ms)',
        '+5.00s underrun: 5.1 ms without decoded audio',
        '+-0.50s output clock moved 8.00 ms',
        '+6.10s start at 0.003 s of the track',
      ]),
    ).toEqual([3230, 4100, 4150, -500, 6100]);
  });
});
