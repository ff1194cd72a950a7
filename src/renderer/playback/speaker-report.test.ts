import { describe, expect, it } from 'vitest';
import { speakerStateOf } from './speaker-report';

describe('speaker state', () => {
  it('says a page the browser keeps silent needs a click, while the room plays', () => {
    expect(speakerStateOf(true, 'suspended').state).toBe('needs-click');
    expect(speakerStateOf(true, 'running', { status: 'playing', error: null }).state).toBe('playing');
    expect(speakerStateOf(true, null).state).toBe('waiting');
    expect(speakerStateOf(false, 'suspended').state).toBe('idle');
  });

  it('tells what the engine does with the current track, and why it failed', () => {
    const running = (status: 'loading' | 'waiting' | 'decoding' | 'error', error: string | null = null) =>
      speakerStateOf(true, 'running', { status, error });
    expect(running('loading')).toEqual({ state: 'waiting', detail: 'waiting for data' });
    expect(running('waiting')).toEqual({ state: 'waiting', detail: 'ready, waiting for its start' });
    expect(running('decoding').state).toBe('decoding');
    expect(running('error', 'This file could not be decoded: EncodingError')).toEqual({
      state: 'failed',
      detail: 'This file could not be decoded: EncodingError',
    });
    // A failure shows even while the browser holds the output back; a click shows first.
    expect(speakerStateOf(true, 'suspended', { status: 'error', error: 'x' }).state).toBe('needs-click');
  });
});
