import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readWav } from '../support/acoustic/wav';
import { silentWav } from '../../src/renderer/audio/silent-wav';

describe('silentWav', () => {
  it('writes a WAV that a WAV reader takes as that many frames of silence', () => {
    const audio = readWav(new Uint8Array(silentWav(48_000, 480)));
    expect(audio.sampleRate).toBe(48_000);
    expect(audio.channels).toHaveLength(1);
    expect(audio.channels[0]).toHaveLength(480);
    expect(audio.channels[0]!.every((v) => v === 0)).toBe(true);
  });

  it('is a file ffprobe reads as 10 ms of 16-bit mono PCM', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'firefly-silent-wav-'));
    try {
      const file = path.join(dir, 'silence.wav');
      writeFileSync(file, new Uint8Array(silentWav(44_100, 441)));
      const probe = JSON.parse(
        execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', file], { encoding: 'utf8' }),
      ) as { streams: { codec_name: string; sample_rate: string; channels: number; duration: string }[] };
      expect(probe.streams[0]).toMatchObject({ codec_name: 'pcm_s16le', sample_rate: '44100', channels: 1 });
      expect(Number(probe.streams[0]!.duration)).toBeCloseTo(0.01, 6);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
