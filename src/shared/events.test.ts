import { describe, expect, it } from 'vitest';
import { TypedEventTarget } from './events';
import { componentLogger } from './logger';

interface Events {
  'track:added': { trackId: string };
  'scan:done': number;
}

function target(lines: string[] = []) {
  return new TypedEventTarget<Events>(
    componentLogger((line) => lines.push(line)).forComponent('firefly:test'),
  );
}

describe('TypedEventTarget', () => {
  it('calls the listeners of one event in order, and removes one by its remover or its signal', () => {
    const events = target();
    const heard: string[] = [];
    const off = events.on('track:added', ({ trackId }) => heard.push(`a:${trackId}`));
    const controller = new AbortController();
    events.on('track:added', ({ trackId }) => heard.push(`b:${trackId}`), { signal: controller.signal });
    events.on('scan:done', (files) => heard.push(`done:${files}`));
    events.emit('track:added', { trackId: 't1' });
    off();
    events.emit('track:added', { trackId: 't2' });
    controller.abort();
    events.emit('track:added', { trackId: 't3' });
    events.emit('scan:done', 3);
    expect(heard).toEqual(['a:t1', 'b:t1', 'b:t2', 'done:3']);
  });

  it('never adds a listener whose signal has already aborted', () => {
    const events = target();
    const heard: number[] = [];
    events.on('scan:done', (files) => heard.push(files), { signal: AbortSignal.abort() });
    events.emit('scan:done', 1);
    expect(heard).toEqual([]);
    expect(events.hasListeners()).toBe(false);
  });

  it('reports a listener that throws and still calls the others', () => {
    const lines: string[] = [];
    const events = target(lines);
    const heard: number[] = [];
    events.on('scan:done', () => {
      throw new Error('boom');
    });
    events.on('scan:done', (files) => heard.push(files));
    expect(() => events.emit('scan:done', 2)).not.toThrow();
    expect(heard).toEqual([2]);
    expect(lines).toEqual(['test: warning: listener for scan:done threw: boom']);
    expect(events.listenerErrors).toBe(1);
  });

  it('skips a listener removed by an earlier one during the same emit, and clears all', () => {
    const events = target();
    const heard: string[] = [];
    let offSecond = () => {};
    events.on('scan:done', () => (heard.push('first'), offSecond()));
    offSecond = events.on('scan:done', () => heard.push('second'));
    events.emit('scan:done', 0);
    expect(heard).toEqual(['first']);
    events.clear();
    events.emit('scan:done', 0);
    expect(heard).toEqual(['first']);
    expect(events.hasListeners()).toBe(false);
  });
});
