/**
 * Feeds a FIFO with s16le stereo PCM in real time, as a sound card's driver would: one block every
 * block length, silence between the takes the caller hands it, and when each block was due and written.
 *
 * It runs in a process of its own (Node, `-e`), which can be given realtime priority as a driver's
 * thread has (`realtime`, root only): on the 2-core machine at load 5-18, a writer at normal priority
 * ran up to a second late, and the source peer rightly re-anchored the stream it starved. It sleeps on
 * a timer and spins the last 1.5 ms. Times come from `process.hrtime`, the system's monotonic clock,
 * which `performance.now()` reads in every process, and are handed back on this process's clock
 * (`performance.timeOrigin + performance.now()`).
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';

/** When each block of a take was due and when it was written (ms, this process's clock). */
export interface BlockTimes {
  dueMs: number[];
  writtenMs: number[];
}

/** A real-time writer into a FIFO. */
export interface PacedWriter {
  /** Writes `pcm` (interleaved stereo s16) from the next block on; resolves with each block's times. */
  write(pcm: Int16Array): Promise<BlockTimes>;
  /** Stops writing and closes the FIFO. */
  close(): Promise<void>;
}

const WRITER = `
const fs = require('node:fs');
const [fifo, blockFrames, sampleRate] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
const fd = fs.openSync(fifo, 'w');
const blockBytes = blockFrames * 4;
const silence = new Uint8Array(blockBytes);
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
const blockMs = (blockFrames * 1000) / sampleRate;
let pending = null;
let stopping = false;
process.on('message', (m) => (m.stop ? (stopping = true) : (pending = m.pcm)));
(async () => {
  const startMs = nowMs();
  let take = null, at = 0, due = [], times = [];
  for (let n = 0; !stopping; n++) {
    if (pending) [take, at, due, times, pending] = [new Uint8Array(pending.buffer, pending.byteOffset, pending.byteLength), 0, [], [], null];
    const dueMs = startMs + n * blockMs;
    const sleepMs = dueMs - nowMs() - 1.5;
    if (sleepMs > 0) await new Promise((resolve) => setTimeout(resolve, sleepMs));
    while (nowMs() < dueMs);
    const block = take ? take.subarray(at, at + blockBytes) : silence;
    const writtenMs = nowMs();
    fs.writeSync(fd, block);
    if (take) {
      due.push(dueMs);
      times.push(writtenMs);
      at += blockBytes;
      if (at >= take.length) {
        process.send({ due, times });
        take = null;
      }
    }
    if (n % 50 === 49) await new Promise((resolve) => setImmediate(resolve));
  }
  fs.closeSync(fd);
  process.disconnect();
})();
`;

/**
 * Starts writing silence into `fifo` (opening it waits for the reader); hand it PCM with `write`.
 * With `realtime` the writer runs at SCHED_RR 10 (root; ignored if chrt fails).
 */
export async function startPacedWriter(
  fifo: string,
  { blockFrames = 960, sampleRate = 48_000, realtime = false } = {},
): Promise<PacedWriter> {
  const child = spawn(process.execPath, ['-e', WRITER, fifo, String(blockFrames), String(sampleRate)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  if (realtime && child.pid)
    await promisify(execFile)('chrt', ['--all-tasks', '--rr', '--pid', '10', String(child.pid)]).catch(
      () => undefined,
    );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // hrtime and performance.now() read one clock; this difference is constant.
  const hrToLocalMs = performance.timeOrigin + performance.now() - Number(process.hrtime.bigint()) / 1e6;
  return {
    write: async (pcm) => {
      const done = new Promise<{ due: number[]; times: number[] }>((resolve, reject) => {
        child.once('message', (m) => resolve(m as { due: number[]; times: number[] }));
        void exited.then(() => reject(new Error('the FIFO writer exited')));
      });
      child.send({ pcm });
      const { due, times } = await done;
      return { dueMs: due.map((t) => t + hrToLocalMs), writtenMs: times.map((t) => t + hrToLocalMs) };
    },
    close: async () => {
      if (child.connected) child.send({ stop: true });
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(timer);
    },
  };
}
