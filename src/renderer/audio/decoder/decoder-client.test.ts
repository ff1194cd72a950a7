import { describe, expect, it } from 'vitest';
import type { DecoderToEngine, EngineToDecoder } from '../player/protocol';
import { DecoderClient, TrackLoadError } from './decoder-client';

/** A stand-in for the decoder worker that records what it is asked and answers when told. */
function aWorker() {
  const asked: EngineToDecoder[] = [];
  const worker = {
    onmessage: null as ((event: MessageEvent<DecoderToEngine>) => void) | null,
    onerror: null as unknown,
    postMessage: (message: EngineToDecoder) => asked.push(message),
    answer(message: DecoderToEngine) {
      this.onmessage?.({ data: message } as MessageEvent<DecoderToEngine>);
    },
  };
  const client = new DecoderClient(
    worker as unknown as Worker,
    { onTrackError: () => {}, onWorkerError: () => {} },
    5000,
  );
  return { worker, client, probes: () => asked.filter((m) => m.type === 'probe').length };
}

const TRACK = { trackId: 't1', url: 'http://x/t1', headers: {} };
const INFO = { trackId: 't1', format: 'FLAC / flac', sampleRate: 48_000, channels: 2, durationSec: 2 };

describe('DecoderClient.probe', () => {
  it('asks the worker again for a track it probed before (its decoded head may be gone)', async () => {
    const { worker, client, probes } = aWorker();
    const first = client.probe(TRACK, 48_000);
    const same = client.probe(TRACK, 48_000);
    expect(probes()).toBe(1);
    worker.answer({ type: 'info', info: INFO });
    await Promise.all([first, same]);
    expect(client.info('t1')).toEqual(INFO);
    const again = client.probe(TRACK, 48_000);
    expect(probes()).toBe(2);
    worker.answer({ type: 'info', info: INFO });
    await again;
  });

  it('rejects a probe the worker cannot play', async () => {
    const { worker, client } = aWorker();
    const probe = client.probe(TRACK, 48_000);
    worker.answer({
      type: 'unsupported',
      trackId: 't1',
      generation: null,
      reason: 'no decoder here for alac',
    });
    await expect(probe).rejects.toBeInstanceOf(TrackLoadError);
  });
});
