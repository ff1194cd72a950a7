/**
 * Sorts the breaks heard in a gapless take (`sineFaults`) by cause. A break at a change of track, or in the
 * `afterBoundaryMs` after it, is the change's, whatever else happened then: gapless playback exists to have
 * none, and a change of track that loads the machine enough to stall the output is no better. A break
 * elsewhere is the output's when the page's engine reported a disturbance just then (a render underrun, the
 * output clock moving, a re-position after it): on the 2-core rig under load those come with no change of
 * track near, and are what the stall tests are about. A break with neither is unexplained. The judge also
 * says how many changes were heard clear of any disturbance.
 */
import type { SineFault } from './continuity';

export interface GaplessJudgeInput {
  faults: SineFault[];
  /** Where each change of track falls (frames from the tone's start, as if played at exactly 1:1). */
  boundaries: number[];
  /** Where the engine reported a disturbance (frames from the tone's start, on the recording's clock). */
  disturbances: number[];
  rate: number;
  /** How far the play head may have wandered from 1:1 (ppm: the drift controller's largest departure). */
  maxPpm: number;
  /** A break this near (ms) to a change of track is that change's, beyond its drift allowance... */
  boundaryToleranceMs?: number;
  /** ... and so is one this long (ms) after it. */
  afterBoundaryMs?: number;
  /** A disturbance explains a break from this long (ms) before it was reported (underruns are counted late)... */
  excuseBeforeMs?: number;
  /** ... to this long after (the re-position that follows a move, heard an output latency later). */
  excuseAfterMs?: number;
}

export interface GaplessVerdict {
  /** Breaks at a change of track with no disturbance to explain them. */
  atBoundaries: SineFault[];
  /** Breaks elsewhere with no disturbance to explain them. */
  unexplained: SineFault[];
  /** Breaks a disturbance explains. */
  excused: SineFault[];
  /** Changes of track heard with no disturbance near them: the ones the take judged. */
  clearBoundaries: number;
}

export function judgeGapless(input: GaplessJudgeInput): GaplessVerdict {
  const ms = (frames: number) => (frames / input.rate) * 1000;
  const tolerance = input.boundaryToleranceMs ?? 10;
  const afterBoundary = input.afterBoundaryMs ?? 300;
  const before = input.excuseBeforeMs ?? 1500;
  const after = input.excuseAfterMs ?? 500;
  const nearBoundary = (at: number) =>
    input.boundaries.some((b) => {
      const allowance = tolerance + ms(b) * input.maxPpm * 1e-6;
      return ms(at - b) >= -allowance && ms(at - b) <= afterBoundary + allowance;
    });
  const excusedAt = (at: number) =>
    input.disturbances.some((d) => ms(at - d) >= -before && ms(at - d) <= after);
  const verdict: GaplessVerdict = { atBoundaries: [], unexplained: [], excused: [], clearBoundaries: 0 };
  for (const f of input.faults) {
    if (nearBoundary(f.atFrame)) verdict.atBoundaries.push(f);
    else if (excusedAt(f.atFrame)) verdict.excused.push(f);
    else verdict.unexplained.push(f);
  }
  verdict.clearBoundaries = input.boundaries.filter((b) => !excusedAt(b)).length;
  return verdict;
}

/**
 * Times (ms after the room's `since`) of the disturbances among an engine's events as the acoustic room
 * prints them (`+3.23s render underrun: 2 glitches, 42.7 ms`): render underruns, moves of the output clock,
 * the re-positions that follow the engine's view of its output, and a start that began late. Not a decoder that fell behind
 * (`underrun: … without decoded audio`): that is a break the player made, at a change of track or not. A
 * re-position a change of track caused would come at every change, leaving none judged clear.
 */
export function disturbanceTimes(events: string[]): number[] {
  const out: number[] = [];
  for (const e of events) {
    const m = /^\+(-?[\d.]+)s (render underrun|output clock moved|re-positioned)/.exec(e);
    if (m) out.push(Number(m[1]) * 1000);
    // A start its first PCM reached late, joined that far into the track with a short fade-in: the start's
    // fault, which the start tests judge (a change of track's start is "at 0.000 s": on time).
    const late = /^\+(-?[\d.]+)s start at ([\d.]+) s of the track/.exec(e);
    if (late && Number(late[2]) > 0) out.push(Number(late[1]) * 1000);
  }
  return out;
}
