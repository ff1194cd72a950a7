import { describe, expect, it } from 'vitest';
import { FadeEnvelope } from './fade-envelope';

describe('FadeEnvelope', () => {
  it('moves to its target over fadeFrames and stays there', () => {
    const fade = new FadeEnvelope(4);
    fade.target = 1;
    const values: number[] = [];
    for (let i = 0; i < 6; i++) {
      fade.advance();
      values.push(fade.value);
    }
    expect(values).toEqual([0.25, 0.5, 0.75, 1, 1, 1]);
    fade.target = 0.5;
    fade.advance();
    fade.advance();
    fade.advance();
    expect(fade.value).toBe(0.5);
  });

  it('is held low enough to reach 0 where the frames run out, never raised', () => {
    const fade = new FadeEnvelope(100);
    fade.value = 1;
    fade.fadeBefore(50);
    expect(fade.value).toBe(0.5);
    fade.fadeBefore(80);
    expect(fade.value).toBe(0.5);
    fade.fadeBefore(-3);
    expect(fade.value).toBe(0);
  });
});
