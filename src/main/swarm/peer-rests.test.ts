import { describe, expect, it } from 'vitest';
import { PeerRests } from './peer-rests';

describe('resting holders whose requests fail', () => {
  it('counts requests that fail together as one episode', () => {
    const rests = new PeerRests({ firstRestMs: 500 });
    // Eight requests in flight, started at 0-70 ms, all failing when the connection drops at 1000 ms.
    expect(rests.failed('a', 0, 1000)).toEqual({ kind: 'rest', ms: 500 });
    for (let i = 1; i < 8; i++) expect(rests.failed('a', i * 10, 1000 + i)).toEqual({ kind: 'same-episode' });
    expect(rests.resting('a', 1400)).toBe(true);
    expect(rests.restLeftMs('a', 1400)).toBe(100);
    expect(rests.resting('a', 1500)).toBe(false);
    expect(rests.restLeftMs('a', 1500)).toBe(0);
    expect(rests.restLeftMs('b', 1500)).toBe(0);
    // One of them timing out only after the rest ended still belongs to the episode.
    expect(rests.failed('a', 70, 1600)).toEqual({ kind: 'same-episode' });
    expect(rests.resting('b', 1000)).toBe(false);
  });

  it('rests longer each episode in a row and strikes the holder off after the last', () => {
    const rests = new PeerRests({ maxEpisodes: 3, firstRestMs: 500 });
    expect(rests.failed('a', 0, 100)).toEqual({ kind: 'rest', ms: 500 });
    expect(rests.failed('a', 700, 800)).toEqual({ kind: 'rest', ms: 1000 });
    expect(rests.failed('a', 1900, 2000)).toEqual({ kind: 'excluded' });
    expect(rests.resting('a', 2001)).toBe(false);
  });

  it('forgives the episodes of a holder whose request then succeeds', () => {
    const rests = new PeerRests({ maxEpisodes: 2, firstRestMs: 500 });
    expect(rests.failed('a', 0, 100)).toEqual({ kind: 'rest', ms: 500 });
    rests.succeeded('a');
    expect(rests.failed('a', 700, 800)).toEqual({ kind: 'rest', ms: 500 });
    expect(rests.failed('a', 1400, 1500)).toEqual({ kind: 'excluded' });
  });
});
