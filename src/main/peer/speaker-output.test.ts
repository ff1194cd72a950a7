import { describe, expect, it } from 'vitest';
import { SpeakerOutput, SYNC_REPORT_FRESH_MS } from './speaker-output';

describe('SpeakerOutput', () => {
  it('says nothing while no window plays or before a window said its state', () => {
    const speaker = new SpeakerOutput();
    speaker.setState({ state: 'playing', detail: null });
    expect(speaker.output()).toBeNull();
    speaker.setSpeakers(1);
    expect(speaker.playing).toBe(true);
    expect(speaker.output()).toEqual({ state: 'playing', detail: null, syncErrorMs: null });
  });

  it('shows the sync figure while it is fresh and the speaker plays', () => {
    let now = 1000;
    const speaker = new SpeakerOutput(() => now);
    speaker.setSpeakers(2);
    speaker.setState({ state: 'playing', detail: null });
    speaker.report({ errorMs: 0.4, boundMs: 1 });
    expect(speaker.output()?.syncErrorMs).toBe(0.4);
    expect(speaker.sync).toEqual({ errorMs: 0.4, boundMs: 1, atMs: 1000 });
    now += SYNC_REPORT_FRESH_MS;
    expect(speaker.output()?.syncErrorMs).toBeNull();
    now = 1000;
    speaker.setState({ state: 'waiting', detail: 'buffering' });
    expect(speaker.output()).toEqual({ state: 'waiting', detail: 'buffering', syncErrorMs: null });
  });

  it('forgets the state when the last window closes', () => {
    const speaker = new SpeakerOutput();
    speaker.setSpeakers(1);
    speaker.setState({ state: 'playing', detail: null });
    speaker.setSpeakers(-3);
    expect(speaker.playing).toBe(false);
    speaker.setSpeakers(1);
    expect(speaker.output()).toBeNull();
  });
});
