import { describe, expect, it } from 'vitest';
import {
  countOf,
  formatAgo,
  formatBytes,
  formatDuration,
  formatMs,
  formatSignedMs,
  hueOf,
  initials,
  percent,
} from './format';

describe('formatDuration', () => {
  it('writes minutes and seconds, and hours from an hour up', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(9.9)).toBe('0:09');
    expect(formatDuration(337)).toBe('5:37');
    expect(formatDuration(3600 + 62)).toBe('1:01:02');
  });
  it('reads nonsense as zero', () => {
    expect(formatDuration(-5)).toBe('0:00');
    expect(formatDuration(Number.NaN)).toBe('0:00');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('0:00');
  });
});

describe('formatBytes', () => {
  it('picks a unit and keeps one decimal only for small values', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(25 * 1024 * 1024)).toBe('25 MB');
    expect(formatBytes(3.2 * 1024 ** 3)).toBe('3.2 GB');
  });
});

describe('ages and offsets', () => {
  it('says how long ago', () => {
    expect(formatAgo(200)).toBe('just now');
    expect(formatAgo(4_200)).toBe('4 s ago');
    expect(formatAgo(125_000)).toBe('2 min ago');
    expect(formatAgo(2 * 3600_000)).toBe('2 h ago');
  });
  it('writes signed offsets with a precision that suits them', () => {
    expect(formatSignedMs(0.4234)).toBe('+0.42 ms');
    expect(formatSignedMs(-12.34)).toBe('−12.3 ms');
    expect(formatSignedMs(1250)).toBe('+1.25 s');
    expect(formatMs(-3.14159)).toBe('3.14 ms');
  });
});

describe('small helpers', () => {
  it('clamps percentages and survives an unknown total', () => {
    expect(percent(3, 4)).toBe(75);
    expect(percent(5, 4)).toBe(100);
    expect(percent(1, 0)).toBe(0);
  });
  it('counts with the right noun', () => {
    expect(countOf(1, 'track')).toBe('1 track');
    expect(countOf(50_000, 'track')).toBe('50,000 tracks');
    expect(countOf(2, 'copy', 'copies')).toBe('2 copies');
  });
  it('gives a stable hue and initials for placeholders', () => {
    expect(hueOf('Kind of Blue')).toBe(hueOf('Kind of Blue'));
    expect(hueOf('Kind of Blue')).not.toBe(hueOf('Kind of Blue '));
    expect(hueOf('x')).toBeGreaterThanOrEqual(0);
    expect(hueOf('x')).toBeLessThan(360);
    expect(initials('miles davis')).toBe('MD');
    expect(initials('  (Live) at the Bowl')).toBe('LA');
    expect(initials('')).toBe('♪');
  });
});
