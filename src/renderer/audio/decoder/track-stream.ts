/**
 * A track read and decoded progressively, in the decoder worker: mediabunny demuxes it from byte
 * ranges fetched over HTTP (`UrlSource`: only the ranges it needs, from a bounded cache), WebCodecs'
 * AudioDecoder (through mediabunny's sink) decodes it, and it comes out as stereo PCM at the
 * context's rate, from any track frame on, one small chunk at a time. Nothing here holds more than a
 * few packets and the source's cache, whatever the track's length.
 *
 * Gapless: what the encoder added before and after the music is cut off here, by the track's trim
 * (`gapless-trim.ts`, which says where it comes from for each container), so track frame 0 is the
 * music's first sample and the last frame its last.
 */
import {
  ADTS,
  AudioSampleSink,
  CustomSource,
  FLAC,
  Input,
  MATROSKA,
  MP3,
  MP4,
  OGG,
  QTFF,
  WAVE,
  WEBM,
  type AudioSample,
  type InputAudioTrack,
} from 'mediabunny';
import { findFrame, frameSearchWindow, type Mp3CbrLayout } from '../../../shared/audio/mp3-seek';
import type { TrackInfo } from '../player/protocol';
import { gaplessTrim, type GaplessTrim } from './gapless-trim';
import { MediaReadError, RangeReader } from './range-reader';
import { StreamResampler } from '../../../shared/audio/resampler';
import { interleave, toStereo } from './stereo';

/** A track that cannot be played through this path: no demuxer for its container, or no decoder for its codec. */
export class UnsupportedTrackError extends Error {
  override name = 'UnsupportedTrackError';
}

/** Where a track's bytes are and how to ask for them. */
export interface TrackSource {
  trackId: string;
  url: string;
  headers: Record<string, string>;
  /** Reads the bytes instead of the network (the warm-up's samples); `fetch` if absent. */
  fetch?: typeof fetch;
}

/** Stereo frames at the context rate from track frame `startFrame`, interleaved L R. */
export interface StereoChunk {
  startFrame: number;
  data: Float32Array;
}

/** The containers music comes in (MP3, FLAC, Ogg Vorbis/Opus, WAV, M4A/MP4 AAC, ADTS AAC, WebM/Matroska Opus). */
const AUDIO_FORMATS = [MP3, FLAC, OGG, WAVE, MP4, QTFF, ADTS, WEBM, MATROSKA];

/** Bytes the demuxer may cache per track (it re-fetches what it evicted). */
const SOURCE_CACHE_BYTES = 4 * 1024 * 1024;

/**
 * MP3 frames decoded and dropped before the first one wanted: a frame's data may begin in the frames
 * before it (the bit reservoir, up to 511 bytes back), and the synthesis filter needs a frame to settle.
 */
const MP3_PREROLL_FRAMES = 10;
/** From this frame on, a CBR MP3's decode starts at the computed frame rather than walking the demuxer there. */
const MP3_LOCATE_FROM_FRAME = 1000;

/** One opened track: its demuxer and the facts read from its header. */
export class TrackStream {
  private constructor(
    readonly info: TrackInfo,
    private readonly input: Input,
    private readonly track: InputAudioTrack,
    readonly trim: GaplessTrim,
    private readonly reader: RangeReader,
    private readonly mp3: boolean,
  ) {}

  /** Opens a track and reads its header; throws `UnsupportedTrackError` when it cannot be decoded here. */
  static async open(source: TrackSource): Promise<TrackStream> {
    const reader = new RangeReader(source.url, {
      headers: source.headers,
      ...(source.fetch ? { fetch: source.fetch } : {}),
    });
    const input = inputFrom(reader, AUDIO_FORMATS, 0);
    try {
      let format;
      try {
        format = await input.getFormat();
      } catch (cause) {
        if (cause instanceof MediaReadError) throw cause;
        throw new UnsupportedTrackError(`not a media file mediabunny can read (${errorText(cause)})`);
      }
      const track = await input.getPrimaryAudioTrack();
      if (!track) throw new UnsupportedTrackError(`no audio track in this ${format.name} file`);
      const codec = await track.getCodec();
      if (!(await track.canDecode()))
        throw new UnsupportedTrackError(`no decoder here for ${codec ?? 'its codec'}`);
      const sampleRate = await track.getSampleRate();
      const statedSec = await input.getDurationFromMetadata().catch(() => null);
      const trim = await gaplessTrim(reader, format, sampleRate, statedSec);
      const info: TrackInfo = {
        trackId: source.trackId,
        format: `${format.name} / ${codec ?? '?'}`,
        sampleRate,
        channels: await track.getNumberOfChannels(),
        durationSec: trim.total !== null ? trim.total / sampleRate : statedSec,
      };
      return new TrackStream(info, input, track, trim, reader, format === MP3);
    } catch (cause) {
      input.dispose();
      throw cause;
    }
  }

  /**
   * Decodes from track frame `startFrame` (at `contextRate`) to the end, yielding chunks of about
   * `chunkFrames`; the consumer paces it by how fast it pulls.
   */
  async *chunks(startFrame: number, contextRate: number, chunkFrames = 4096): AsyncGenerator<StereoChunk> {
    const inRate = this.info.sampleRate;
    const resampler = inRate === contextRate ? null : new StreamResampler(inRate, contextRate);
    // The first input frame the output needs (the resampler's kernel reaches back a few frames).
    const firstInput = resampler ? resampler.inputStartFor(startFrame) : startFrame;
    resampler?.reset(startFrame, firstInput);
    const { skip: trimSkip, total: trimTotal } = this.trim;
    const from = await this.samplesFrom(firstInput + trimSkip);
    let nextInput = firstInput;
    let nextOut = startFrame;
    let pending: Float32Array[] = [];
    let pendingFrames = 0;
    const flush = (): StereoChunk | null => {
      if (pendingFrames === 0) return null;
      const data = new Float32Array(pendingFrames * 2);
      let at = 0;
      for (const p of pending) {
        data.set(p, at);
        at += p.length;
      }
      const chunk = { startFrame: nextOut, data };
      nextOut += pendingFrames;
      pending = [];
      pendingFrames = 0;
      return chunk;
    };
    try {
      for await (const sample of from.samples) {
        if (trimTotal !== null && nextInput >= trimTotal) {
          sample.close();
          break;
        }
        try {
          const planes: Float32Array[] = [];
          for (let c = 0; c < sample.numberOfChannels; c++) {
            const plane = new Float32Array(sample.numberOfFrames);
            sample.copyTo(plane, { planeIndex: c, format: 'f32-planar' });
            planes.push(plane);
          }
          // Samples are contiguous; the first may begin before the frame asked for (or be the encoder's priming).
          const sampleStart = from.frameOffset + Math.round(sample.timestamp * inRate) - trimSkip;
          const skip = Math.max(0, Math.min(sample.numberOfFrames, nextInput - sampleStart));
          // The encoder's padding after the music's last sample is cut.
          const keep =
            trimTotal === null
              ? sample.numberOfFrames
              : Math.max(skip, Math.min(sample.numberOfFrames, trimTotal - sampleStart));
          let [left, right] = toStereo(planes);
          if (skip > 0 || keep < sample.numberOfFrames) {
            left = left.subarray(skip, keep);
            right = right.subarray(skip, keep);
          }
          nextInput = Math.max(nextInput, sampleStart + keep);
          const out = resampler ? resampler.push(left, right) : interleave(left, right);
          if (out.length > 0) {
            pending.push(out);
            pendingFrames += out.length >> 1;
          }
        } finally {
          sample.close();
        }
        // The first chunk goes out small, so a start waits for as little as possible.
        if (pendingFrames >= (nextOut === startFrame ? 1024 : chunkFrames)) yield flush()!;
      }
    } finally {
      from.input?.dispose();
    }
    if (resampler) {
      const tail = resampler.push(new Float32Array(0), new Float32Array(0), true);
      if (tail.length > 0) {
        pending.push(tail);
        pendingFrames += tail.length >> 1;
      }
    }
    const last = flush();
    if (last) yield last;
  }

  /**
   * The decoded samples from decoded-stream frame `frame` on (a little before it: the MP3 pre-roll), and
   * the frame their timestamp 0 stands for. A far start in a CBR MP3 reads from the computed frame through
   * an input of its own over the rest of the file (`input`, disposed by the caller); anything else walks
   * the track's own demuxer there.
   */
  private async samplesFrom(
    frame: number,
  ): Promise<{ samples: AsyncIterable<AudioSample>; frameOffset: number; input: Input | null }> {
    const rate = this.info.sampleRate;
    const layout = this.trim.mp3Cbr;
    const preroll = this.mp3 ? MP3_PREROLL_FRAMES * (layout?.samplesPerFrame ?? 1152) : 0;
    const wanted = Math.max(0, frame - preroll);
    if (layout) {
      const mp3Frame = Math.floor(wanted / layout.samplesPerFrame);
      const offset = mp3Frame >= MP3_LOCATE_FROM_FRAME ? await this.locateMp3Frame(layout, mp3Frame) : null;
      if (offset !== null) {
        const input = inputFrom(this.reader, [MP3], offset);
        try {
          const track = await input.getPrimaryAudioTrack();
          if (track) {
            const samples = new AudioSampleSink(track).samples(0);
            return { samples, frameOffset: mp3Frame * layout.samplesPerFrame, input };
          }
        } catch (cause) {
          input.dispose();
          if (cause instanceof MediaReadError) throw cause;
        }
        input.dispose();
      }
    }
    return { samples: new AudioSampleSink(this.track).samples(wanted / rate), frameOffset: 0, input: null };
  }

  /** The byte offset of frame `index` of a CBR MP3, or null when it is not where CBR puts it. */
  private async locateMp3Frame(layout: Mp3CbrLayout, index: number): Promise<number | null> {
    const size = await this.reader.size();
    const window = frameSearchWindow(layout, index);
    if (window.start >= size) return null;
    const bytes = await this.reader.read(window.start, Math.min(size, window.end));
    return findFrame(layout, index, bytes, window.start);
  }

  /** Releases the demuxer and its cached bytes. */
  close(): void {
    this.input.dispose();
  }
}

/** A demuxer over the file's bytes from `offset` on, read through `reader`. */
function inputFrom(reader: RangeReader, formats: typeof AUDIO_FORMATS, offset: number): Input {
  return new Input({
    formats,
    source: new CustomSource({
      getSize: async () => (await reader.size()) - offset,
      read: (start, end) => reader.read(start + offset, end + offset),
      maxCacheSize: SOURCE_CACHE_BYTES,
      // Reads padded to 64 KiB either side: few requests, and nothing fetched far from the play head.
      prefetchProfile: 'fileSystem',
    }),
  });
}

function errorText(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
