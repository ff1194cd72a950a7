/**
 * A live source heard through two real peers (#22): the holder of a `PeerRoom` reads a FIFO (a pipe
 * source) that this process feeds with PCM in real time, both peers' windows play the source, and a
 * take records the sink while a click train goes into the FIFO. Each click is written at the start of
 * a block, so when it went into the FIFO is known to the writer's precision (`paced-writer.ts`), and
 * the recording is placed on the same clock (`recordTimed`): the take gives each window's
 * source-to-speaker latency, click by click, and the offset between the two windows.
 *
 * A click's write time is when its block was due: a loaded machine sometimes runs the writer late (by up
 * to 30 ms on the 2-core machine at load 5-9, at normal priority) and it then catches up, but the source peer stamps frames
 * by their count from the stream's first read, not by when each arrived, so a late write does not move
 * the sound; measured against the late write, such a click would seem early by the write's lateness.
 * How late the writes were is reported beside the figures. Shared by the
 * acoustic live test and `bench:live`.
 */
import { rmSync, statSync } from 'node:fs';
import { findOnsets, measureOffsets, summarize, type OffsetReport } from './analyze';
import { startPeerRoom, writeLibrary, type PeerRoom } from './peer-room';
import { tunedPriorities } from './pulse';
import { makeClickTrack, recordTimed, type AcousticRig } from './rig';
import { clickTimes, makeClick, renderClicks } from './signals';
import { startPacedWriter, type BlockTimes, type PacedWriter } from '../paced-writer';
import { pipeSource, waitForSource } from '../live-source';
import { apiFetch } from '../peers';
import type { LiveSourceList } from '../../../src/shared/live/sources';

const SAMPLE_RATE = 48_000;
/** The writer's block: 20 ms, the stamper's packet length. */
const BLOCK_FRAMES = 960;
const BLOCK_SEC = BLOCK_FRAMES / SAMPLE_RATE;
const CLICK = makeClick(5);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface LiveRoomOptions {
  rig: AcousticRig;
  /** The source peer's live delay (ms; default 300, the room's default). */
  delayMs?: number;
  /** How the source sends its frames (default Opus, the app's default). */
  codec?: 'opus' | 'pcm';
  /** How long each page's audio runs before the room plays (s; default 20: outputs of a settled age). */
  settleSec?: number;
  log?: (line: string) => void;
}

/** One recorded click train. */
export interface LiveTake {
  delayMs: number;
  /** Per window (holder = source peer, follower): heard − (written + delay), per click (ms). */
  latency: [OffsetReport, OffsetReport];
  /** The follower's clicks against the holder's (ms, positive: the follower later). */
  offsets: OffsetReport;
  /** The sink's render-ahead the recording's time base was corrected by (ms; null: not read, not corrected). */
  renderAheadMs: number | null;
  /** Writes of the take's blocks later than due by more than 1 ms, and the latest (ms). */
  lateWrites: { count: number; of: number; maxMs: number };
  /** Times the source peer placed the stream anew during the take, and frames it dropped as too late. */
  source: { reanchors: number; droppedFrames: number };
}

export interface LiveRoom {
  room: PeerRoom;
  sourceId: string;
  /** Writes `clicks` clicks into the FIFO in real time and measures them at the sink. */
  take(clicks?: number): Promise<LiveTake>;
  /** Sets the source peer's live delay (the stream re-anchors) and waits for the windows to follow. */
  setDelay(delayMs: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts the room, its pipe source on the holder fed with silence, and plays the source on both windows. */
export async function startLiveRoom(options: LiveRoomOptions): Promise<LiveRoom> {
  const pipe = pipeSource('Line in', options.codec === 'pcm' ? 'codec=pcm' : '');
  // The room wants a track in the holder's library before it is ready.
  const library = writeLibrary({ 'clicks.wav': makeClickTrack(2).wav });
  let delayMs = options.delayMs ?? 300;
  let writer: PacedWriter | null = null;
  let room: PeerRoom | null = null;
  const close = async () => {
    await writer?.close();
    await room?.close();
    pipe.remove();
    rmSync(library, { recursive: true, force: true });
  };
  try {
    room = await startPeerRoom({
      rig: options.rig,
      libraryDir: library,
      // The delay is a setting, not `--live-delay-ms`: a flag would win over a later change for the whole run.
      holderArgs: ['--source', pipe.uri],
      settleSec: options.settleSec ?? 20,
      log: options.log,
    });
    const holderUi = room.holder.ui;
    const applyDelay = async (ms: number) => {
      const response = await apiFetch(holderUi, '/api/settings', { body: { liveDelayMs: ms } });
      if (!response.ok) throw new Error(`settings: HTTP ${response.status} ${await response.text()}`);
      delayMs = ms;
    };
    await applyDelay(delayMs);
    const source = await waitForSource(room.follower.ui, 'Line in');
    // The source peer makes the FIFO; opening a path that is not one yet would make a plain file.
    while (!isFifo(pipe.fifo)) await sleep(50);
    writer = await startPacedWriter(pipe.fifo, {
      blockFrames: BLOCK_FRAMES,
      sampleRate: SAMPLE_RATE,
      // Stands in for a sound card's driver thread, as the rig's tuned priorities do for the sound server.
      realtime: tunedPriorities(),
    });
    // The writer runs before the room plays, as a line-in or a receiver would.
    await sleep(2000);
    await room.command(room.follower, 'play', { sourceId: source.sourceId });
    await room.waitPlaying(source.sourceId);
    // The engines check a start once their readings have held for 3 s.
    await sleep(5000);
    const live = { writer };
    const timing = async () => {
      const response = await apiFetch(holderUi, '/api/sources');
      const list = (await response.json()) as LiveSourceList;
      const own = list.sources.find((s) => s.sourceId === source.sourceId);
      return { reanchors: own?.reanchors ?? NaN, droppedFrames: own?.droppedFrames ?? NaN };
    };
    return {
      room,
      sourceId: source.sourceId,
      take: async (clicks = 60) => {
        const before = await timing();
        const measured = await take(options.rig, live.writer, delayMs, clicks);
        const after = await timing();
        return {
          ...measured,
          source: {
            reanchors: after.reanchors - before.reanchors,
            droppedFrames: after.droppedFrames - before.droppedFrames,
          },
        };
      },
      setDelay: async (ms) => {
        await applyDelay(ms);
        await sleep(5000);
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

function isFifo(file: string): boolean {
  try {
    return statSync(file).isFIFO();
  } catch {
    return false;
  }
}

/** A click train on the writer's block grid, as stereo s16, and when each click starts (s). */
function clickTrain(clicks: number): { pcm: Int16Array; timesSec: number[] } {
  const timesSec = clickTimes(clicks, 0.3).map((t) => Math.round(t / BLOCK_SEC) * BLOCK_SEC);
  const blocks = Math.ceil((timesSec.at(-1)! + 0.5) / BLOCK_SEC);
  const mono = renderClicks(CLICK, timesSec, SAMPLE_RATE, blocks * BLOCK_SEC);
  const pcm = new Int16Array(blocks * BLOCK_FRAMES * 2);
  for (let i = 0; i < blocks * BLOCK_FRAMES; i++) {
    const v = Math.round(Math.max(-1, Math.min(1, mono[i] ?? 0)) * 32767);
    pcm[2 * i] = pcm[2 * i + 1] = v;
  }
  return { pcm, timesSec };
}

async function take(
  rig: AcousticRig,
  writer: PacedWriter,
  delayMs: number,
  clicks: number,
): Promise<Omit<LiveTake, 'source'>> {
  const train = clickTrain(clicks);
  let blocks: BlockTimes = { dueMs: [], writtenMs: [] };
  const recording = await recordTimed(rig, async () => {
    blocks = await writer.write(train.pcm);
    await sleep(delayMs + 500);
  });
  const { audio } = recording;
  const startMs = recording.startMs + (recording.renderAheadMs ?? 0);
  // Where each click should be heard: when its block was due in the FIFO, plus the delay, on the recording's time line.
  const dueSec = train.timesSec.map(
    (t) => (blocks.dueMs[Math.round(t / BLOCK_SEC)]! + delayMs - startMs) / 1000,
  );
  const lateness = blocks.writtenMs.map((w, i) => w - blocks.dueMs[i]!);
  const [holder, follower] = audio.channels as [Float32Array, Float32Array];
  const lengthSec = holder.length / audio.sampleRate;
  // Clicks come every 200-300 ms on a 20 ms grid, so an error of more than 100 ms would pair each click with a
  // neighbour: first find the lag that lines up the most clicks (the window that heard more of them), then align
  // each click around it.
  const heardSec = [holder, follower].map((channel) =>
    findOnsets(channel, audio.sampleRate).map((i) => i / audio.sampleRate),
  );
  const lagSec = Math.max(...heardSec.map((h) => h.length)) > 0 ? trainLagSec(dueSec, heardSec) : 0;
  const due = renderClicks(CLICK, dueSec, audio.sampleRate, lengthSec, lagSec);
  const options = { maxOffsetMs: 15, searchMs: 3 };
  const measure = (channel: Float32Array) => {
    const report = measureOffsets(due, channel, audio.sampleRate, options);
    return summarize(
      report.offsetsMs.map((o) => o + lagSec * 1000),
      report.onsetsSec,
      report.unmatched,
    );
  };
  return {
    delayMs,
    latency: [measure(holder), measure(follower)],
    offsets: measureOffsets(holder, follower, audio.sampleRate),
    renderAheadMs: recording.renderAheadMs,
    lateWrites: {
      count: lateness.filter((l) => l > 1).length,
      of: lateness.length,
      maxMs: Math.max(0, ...lateness),
    },
  };
}

/** The lag (s) by which the most due clicks have a heard click within 2 ms, over every window's onsets. */
function trainLagSec(dueSec: readonly number[], heardSec: readonly (readonly number[])[]): number {
  let best = { lag: 0, matches: -1 };
  for (const heard of heardSec)
    for (const h of heard)
      for (const d of dueSec) {
        const lag = h - d;
        if (lag < -0.5 || lag > 1) continue;
        const matches = dueSec.filter((t) => heard.some((x) => Math.abs(x - t - lag) < 0.002)).length;
        if (matches > best.matches) best = { lag, matches };
      }
  return best.lag;
}
