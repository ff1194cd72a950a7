import { describe, expect, it } from 'vitest';
import { logger } from '../../shared/logger';
import { SourceNowPlaying } from './source-now-playing';

describe('SourceNowPlaying', () => {
  it('announces a radio title once per change, and leaves out what is unknown', () => {
    let changes = 0;
    const now = new SourceNowPlaying(
      { log: logger('firefly:live', () => {}), changed: () => changes++ },
      'Radio',
    );
    expect(now.fields()).toEqual({});
    now.setTitle('Station jingle');
    now.setTitle('Station jingle');
    expect(changes).toBe(1);
    expect(now.fields()).toEqual({ title: 'Station jingle' });
    now.setTitle(null);
    expect(now.fields()).toEqual({});
    expect(now.cover()).toBeNull();
  });

  it('logs a metadata pipe it cannot open and carries on without it', () => {
    const lines: string[] = [];
    const now = new SourceNowPlaying(
      { log: logger('firefly:live', (line) => lines.push(line)), changed: () => {} },
      'AirPlay',
    );
    now.readMetadata('/nonexistent-dir/metadata');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/no metadata from \/nonexistent-dir\/metadata/);
    expect(() => now.stop()).not.toThrow();
  });
});
