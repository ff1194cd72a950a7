/**
 * Messages between the streaming engine's three parts: the engine on the page's main thread, the
 * decoder in a Web Worker, and the player in the AudioWorklet. Frames are always counted at the
 * AudioContext's sample rate: the decoder resamples a track to it, so "track frame f" is the frame
 * heard `f / sampleRate` seconds into the track.
 */
import type { ClockLine, PlacedSegment } from './segment';

/** Decoded stereo PCM, interleaved L R, of one decode generation, starting at track frame `startFrame`. */
export interface PcmChunk {
  type: 'pcm';
  generation: number;
  startFrame: number;
  data: Float32Array;
}

/** The track of a generation ends at `totalFrames` (no frame at or after it exists). */
export interface StreamEnd {
  type: 'end';
  generation: number;
  totalFrames: number;
}

/** Decoder → player, over their own MessageChannel. */
export type DecoderToPlayer = PcmChunk | StreamEnd;

/** Player → decoder: where the play head of `generation` is, so the decoder keeps its window ahead of it. */
export interface PlayheadReport {
  type: 'playhead';
  generation: number;
  /** Track frame the player reads next (an integer). */
  headFrame: number;
}

/** Engine → player. */
export type EngineToPlayer =
  | { type: 'clock'; line: ClockLine }
  /** Play `segment` (a new generation): what plays now fades out first. */
  | { type: 'play'; segment: PlacedSegment }
  /**
   * Place `segment` (a generation of its own) after the one playing, overlapping its end by
   * `overlapFrames` (0: gapless, its first frame right after the current track's last).
   */
  | { type: 'queue'; segment: PlacedSegment; overlapFrames: number }
  /** Set the linear gain of the segment of `generation` (the playing or the next): it ramps over ~20 ms. */
  | { type: 'gain'; generation: number; gain: number }
  /** Forget the segment placed after the one playing. */
  | { type: 'drop-next' }
  /** Fade out at group time `atGroupMs` (now if null or past) and stay silent. */
  | { type: 'stop'; atGroupMs: number | null }
  /** The port the decoder writes PCM to and reads play heads from. */
  | { type: 'decoder-port'; port: MessagePort }
  /** PCM the engine decoded itself (the whole-file fallback), as the decoder would send it. */
  | DecoderToPlayer;

/** What the player is doing. */
export type PlayerPhase = 'idle' | 'waiting' | 'playing' | 'stopping' | 'ended';

/** Player → engine, every few blocks and on every change of phase. */
export interface PlayerStatus {
  type: 'status';
  generation: number;
  phase: PlayerPhase;
  /** Context frame of the block this status was taken at (end of it). */
  contextFrame: number;
  /** Track frame (fractional) the player is at, or null when idle. */
  headFrame: number | null;
  /** Play head minus where the group says it should be (frames; + = ahead), or null when not playing. */
  errorFrames: number | null;
  /** Track frames read per output frame. */
  ratio: number;
  /** Output frames rendered as silence for want of decoded data, this generation. */
  starvedFrames: number;
  /** Sample-exact re-positions (with fades) done, this generation. */
  repositions: number;
  /** The error (frames) that called for the last of them, or null. */
  repositionErrorFrames: number | null;
  /** The first sound of this generation: at context frame `contextFrame`, track frame `trackFrame`. */
  started: { contextFrame: number; trackFrame: number } | null;
  /** Decoded frames held ahead of the play head. */
  bufferedFrames: number;
  /** Chunks refused because the ring was full, in all. */
  overruns: number;
  /**
   * Blocks whose `currentFrame` skipped ahead of the one before plus its length, or fell back further than a
   * burst (`gaps`: the output moved), in the worklet's life, and by how much the last one was off (frames);
   * and blocks whose `currentFrame` stood still or lagged within a burst (`stale`: counted on; see
   * player-worklet.ts). Set by the worklet.
   */
  renderClock?: { gaps: number; lastGapFrames: number; stale?: number };
}

/** Engine → decoder worker. */
export type EngineToDecoder =
  | {
      type: 'open';
      generation: number;
      trackId: string;
      url: string;
      /** Headers for the byte-range requests (the API token). */
      headers: Record<string, string>;
      /** Track frame to start decoding at. */
      startFrame: number;
      contextRate: number;
      /** Generations whose decodes go on beside this one (the playing track's, when this is the next one). */
      keep?: number[];
    }
  /** Reads a track's header (and keeps it open) so a later `open` starts at once. */
  | { type: 'probe'; trackId: string; url: string; headers: Record<string, string>; contextRate: number }
  | { type: 'close' }
  | { type: 'player-port'; port: MessagePort }
  | OpenLive;

/**
 * Engine → decoder: play a live source (#22). The decoder reads `url` (`/media/live/<sourceId>`, framed
 * as in shared/live/frames.ts), converts and resamples the PCM to `contextRate`, and sends it as PcmChunks
 * of `generation` at track frame round((frameGroupMs − anchorGroupMs) · contextRate / 1000): the player's
 * segment is then `{ generation, trackId: sourceId, anchorGroupMs, anchorFrame: 0 }`. `close` (or any
 * `open`) ends it.
 */
export interface OpenLive {
  type: 'open-live';
  generation: number;
  url: string;
  /** Headers of the request (the API token). */
  headers: Record<string, string>;
  /** Group time of track frame 0: the state's `anchor.groupTimeMs`. */
  anchorGroupMs: number;
  contextRate: number;
}

/** How a live stream is doing: `connecting` (again, after a break), `playing`, `stalled` (no PCM: the player fades out), `ended`. */
export type LiveStreamState = 'connecting' | 'playing' | 'stalled' | 'ended';

/** What the decoder learnt about a track. */
export interface TrackInfo {
  trackId: string;
  /** Container and codec, e.g. "MP3 / mp3". */
  format: string;
  sampleRate: number;
  channels: number;
  durationSec: number | null;
}

/** Decoder worker → engine. */
export type DecoderToEngine =
  | { type: 'info'; info: TrackInfo }
  /** `generation` has `bufferedFrames` decoded from its start. */
  | { type: 'buffered'; generation: number; bufferedFrames: number }
  /** `transient`: the bytes could not be read right now (no answer, 404, 5xx); asking again may work. */
  | { type: 'error'; trackId: string; generation: number | null; message: string; transient: boolean }
  /** A live stream's state changed (`detail` says why it stalled, ended or reconnects). */
  | { type: 'live'; generation: number; state: LiveStreamState; detail: string | null }
  /** The track cannot be decoded here (no demuxer or no decoder): the engine falls back to decodeAudioData. */
  | { type: 'unsupported'; trackId: string; generation: number | null; reason: string };
