import { describe, expect, it } from 'vitest';
import { speakerStateOf } from './speaker-report';

describe('speaker state', () => {
  it('says a page the browser keeps silent needs a click, while the room plays', () => {
    expect(speakerStateOf(true, 'suspended')).toBe('needs-click');
    expect(speakerStateOf(true, 'running')).toBe('playing');
    expect(speakerStateOf(true, null)).toBe('waiting');
    expect(speakerStateOf(false, 'suspended')).toBe('idle');
  });
});
