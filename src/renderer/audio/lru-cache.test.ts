import { describe, expect, it } from 'vitest';
import { LruCache } from './lru-cache';

describe('LruCache', () => {
  it('evicts the least recently used values beyond the byte budget', () => {
    const cache = new LruCache<string, Uint8Array>(100, (v) => v.byteLength);
    cache.set('a', new Uint8Array(40));
    cache.set('b', new Uint8Array(40));
    expect(cache.get('a')).toBeDefined();
    cache.set('c', new Uint8Array(40));
    expect(cache.keys()).toEqual(['a', 'c']);
    expect(cache.bytes).toBe(80);
  });

  it('keeps a single value larger than the budget', () => {
    const cache = new LruCache<string, Uint8Array>(10, (v) => v.byteLength);
    cache.set('a', new Uint8Array(5));
    cache.set('big', new Uint8Array(50));
    expect(cache.keys()).toEqual(['big']);
    cache.set('big', new Uint8Array(8));
    expect(cache.bytes).toBe(8);
  });
});
