import { describe, expect, it } from 'vitest';
import { componentLogger, logger, scopeOf, silentLogger } from './logger';

describe('logger', () => {
  it('names the component once, without the firefly: namespace', () => {
    const lines: string[] = [];
    const log = componentLogger((line) => lines.push(line)).forComponent('firefly:playback');
    log('started');
    log.warn('publishing failed');
    expect(lines).toEqual(['playback: started', 'playback: warning: publishing failed']);
  });

  it('scopes names outside the namespace as they are', () => {
    const lines: string[] = [];
    logger('chunk-store', (line) => lines.push(line))('evicted');
    expect(lines).toEqual(['chunk-store: evicted']);
    expect(scopeOf('firefly:live')).toBe('live');
  });

  it('the silent logger writes nowhere and does not throw', () => {
    const log = silentLogger.forComponent('firefly:x');
    expect(() => {
      log('a');
      log.warn('b');
    }).not.toThrow();
  });
});
