/**
 * Worker thread entry of the scan pool: analyses the files the main thread sends, one at a time
 * (they share one read buffer), and answers with plain data. It never touches the database.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { analyzeFile, ScratchBuffer } from './scan-file';
import type { ScanWorkerData, ScanWorkerReply, ScanWorkerRequest } from './scan-worker-pool';

const port = parentPort;
if (!port) throw new Error('scan-worker must run as a worker thread');
const { wholeFileMaxBytes } = workerData as ScanWorkerData;
const scratch = new ScratchBuffer();
const queue: ScanWorkerRequest[] = [];
let busy = false;

const reply = (message: ScanWorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

const drain = async (): Promise<void> => {
  busy = true;
  for (let request = queue.shift(); request; request = queue.shift()) {
    try {
      const analysis = await analyzeFile(request, { scratch, wholeFileMaxBytes });
      // The cover is a fresh copy, so its memory can move to the main thread instead of being cloned.
      const cover = analysis.kind === 'track' ? analysis.meta.cover?.bytes.buffer : undefined;
      reply({ id: request.id, analysis }, cover instanceof ArrayBuffer ? [cover] : []);
    } catch (error) {
      reply({ id: request.id, error: error instanceof Error ? error.message : String(error) });
    }
  }
  busy = false;
};

port.on('message', (request: ScanWorkerRequest) => {
  queue.push(request);
  if (!busy) void drain();
});
reply({ ready: true });
