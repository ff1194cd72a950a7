import { describe, expect, it } from 'vitest';
import { ArrivingBytes, fillFrom } from './arriving-bytes';

const error = (text: string) => new Error(text);

describe('ArrivingBytes', () => {
  it('answers a wait for bytes that are here at once, and the others as their bytes come', async () => {
    const bytes = new ArrivingBytes(10);
    bytes.push(Uint8Array.of(1, 2, 3), () => error('long'));
    await bytes.until(3);
    const order: number[] = [];
    const a = bytes.until(5).then(() => order.push(5));
    const b = bytes.until(20).then(() => order.push(10));
    bytes.push(Uint8Array.of(4, 5), () => error('long'));
    await a;
    expect(order).toEqual([5]);
    bytes.push(new Uint8Array(5).fill(9), () => error('long'));
    await b;
    expect(order).toEqual([5, 10]);
    expect(Array.from(bytes.bytes.subarray(0, 6))).toEqual([1, 2, 3, 4, 5, 9]);
  });

  it('fails the waits past a short end, keeps answering what is here, and fails a body longer than asked', async () => {
    const bytes = new ArrivingBytes(4);
    bytes.push(Uint8Array.of(1, 2), () => error('long'));
    const waiting = bytes.until(4);
    bytes.end(() => error('short'));
    await expect(waiting).rejects.toThrow('short');
    await expect(bytes.until(2)).resolves.toBeUndefined();
    await expect(bytes.until(3)).rejects.toThrow('short');
    const long = new ArrivingBytes(2);
    long.push(Uint8Array.of(1, 2, 3), () => error('long'));
    expect(long.failed).toBe(true);
    await expect(long.until(1)).rejects.toThrow('long');
  });

  it('is filled from a stream piece by piece, counting the bytes, and fails on a broken stream', async () => {
    let counted = 0;
    const bytes = new ArrivingBytes(6);
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(Uint8Array.of(1, 2, 3));
        c.enqueue(Uint8Array.of(4, 5, 6));
        c.close();
      },
    });
    await fillFrom(bytes, stream, error, (n) => (counted += n));
    expect(counted).toBe(6);
    await expect(bytes.until(6)).resolves.toBeUndefined();
    const broken = new ArrivingBytes(6);
    const failing = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(Uint8Array.of(1));
        c.error(new Error('connection reset'));
      },
    });
    await fillFrom(broken, failing, error);
    await expect(broken.until(2)).rejects.toThrow(/reading the answer failed: Error: connection reset/);
  });
});
