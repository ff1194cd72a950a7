import { describe, expect, it } from 'vitest';
import { TypedEventTarget } from '../../shared/events';
import { silentLogger } from '../../shared/logger';
import type { LibraryServices } from '../library';
import type { LibraryScannerEvents } from '../library/scanner';
import { ScanProgress } from './scan-progress';

describe('ScanProgress', () => {
  it('follows a scan from its steps to its end, and keeps the last figure', () => {
    const scanner = new TypedEventTarget<LibraryScannerEvents>(silentLogger.forComponent('firefly:test'));
    const progress = new ScanProgress();
    const calls: string[] = [];
    expect(progress.state).toEqual({ done: 0, total: 0, currentPath: '', running: false });
    progress.watch(scanner as unknown as LibraryServices['scanner'], {
      progressed: () => calls.push('progressed'),
      done: () => calls.push('done'),
    });
    scanner.emit('scan:progress', { done: 3, total: 10, currentPath: '/music/a.flac' });
    expect(progress.state).toEqual({ done: 3, total: 10, currentPath: '/music/a.flac', running: true });
    scanner.emit('scan:done', { files: 10, scanned: 7, unchanged: 3 } as LibraryScannerEvents['scan:done']);
    expect(progress.state).toEqual({ done: 10, total: 10, currentPath: '', running: false });
    expect(calls).toEqual(['progressed', 'done']);
  });
});
