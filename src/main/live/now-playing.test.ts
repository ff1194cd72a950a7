import { describe, expect, it } from 'vitest';
import { logger } from '../../shared/logger';
import { SourceNowPlaying } from './now-playing';

describe('SourceNowPlaying', () => {
  it('announces a radio title once per change, and leaves out what is unknown', () => {
    let changes = 0;
    const now = new SourceNowPlaying(() => changes++);
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
    const now = new SourceNowPlaying(() => {});
    now.readMetadata(
      '/nonexistent-dir/metadata',
      logger('firefly:live', (line) => lines.push(line)),
      'AirPlay',
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^live: source "AirPlay": no metadata from \/nonexistent-dir\/metadata: /);
    expect(() => now.stop()).not.toThrow();
  });
});
