/**
 * The validators the host runs on bridge requests before any handler sees them (the table that
 * names each channel's validator is `requestValidators` in `contract.ts`).
 */
import { repeatModes, type RepeatMode } from '../playback/state';
import { MAX_SPEAKER_NEED_MS } from '../playback/barrier';
import { crossfadeSecValidator, loudnessChangeFields, someLoudnessField } from '../playback/room-sound';
import type { SpeakerState } from '../status';
import type { Validator } from '../validate';
import { playlistIdValidator, playlistNameValidator, playlistTrackIdsValidator } from '../playlists/playlist';
import { m3u8TextValidator, parseM3u8 } from '../playlists/m3u8';
import { deviceOutputPatchValidator, type DeviceOutputPatch } from '../devices/output';
import { err, ok } from '../result';
import { isSourceId, liveLimits } from '../live/frames';
import { arrayOf, bool, int, num, obj, oneOf, optional, refine, str } from '../validate';
import type { CaptureCodec, SpeakerChannel, Theme } from './payloads';

export const playRequest = obj({
  index: optional(int(0, 1_000_000)),
  trackId: optional(str(128, 1)),
  sourceId: optional(str(64, 1)),
});
export const seekRequest = obj({ positionSec: num(0, 24 * 3600) });
/** Control and text-direction characters: they garble lists and logs, or make a name read as another. */
const UNSHOWABLE = /[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

/** A device name: 1–64 characters of well-formed text that shows as itself. */
export const deviceName: Validator<string> = (input, path) => {
  const r = str(64, 1)(input, path);
  if (!r.ok) return r;
  const where = path ? `${path}: ` : '';
  if (!r.value.isWellFormed()) return err(`${where}contains a broken character (a lone UTF-16 surrogate)`);
  if (UNSHOWABLE.test(r.value)) return err(`${where}control and text-direction characters are not allowed`);
  if (r.value.trim() === '') return err(`${where}must not be blank`);
  return r;
};

/** Output offsets this device accepts, in ms: how long after its output its sound is heard. */
export const OUTPUT_OFFSET_RANGE_MS = { min: -250, max: 1000 } as const;

/** A device's output offset, with the reason when it is out of range. */
const outputOffset: Validator<number> = (input, path) => {
  const r = num(OUTPUT_OFFSET_RANGE_MS.min, OUTPUT_OFFSET_RANGE_MS.max)(input, path);
  if (r.ok) return r;
  return err(
    `${r.error}: the delay from this device's output to its sound (a Bluetooth speaker or a TV adds 20–300 ms); ` +
      `a negative value plays this device later, for a speaker the browser overestimates`,
  );
};

export const settingsPatch = obj({
  name: optional(deviceName),
  priority: optional(int(0, 1000)),
  volume: optional(num(0, 1)),
  muted: optional(bool),
  outputOffsetMs: optional(outputOffset),
  channel: optional(oneOf<SpeakerChannel>('left', 'right', 'stereo', 'mono')),
  libraries: optional(arrayOf(str(4096, 1), 64)),
  roomPassphrase: optional(str(256, 1)),
  theme: optional(oneOf<Theme>('system', 'light', 'dark')),
  notifications: optional(bool),
  closeToTray: optional(bool),
  liveSources: optional(arrayOf(str(2048, 1), 16)),
  liveDelayMs: optional(int(50, 5000)),
});
export const clockProbeRequest = obj({ t1: num() });
/** A change to one device's output: its peer id (from the path of the HTTP route) and at least one field. */
export const deviceSettingsRequest: Validator<{ peerId: string } & DeviceOutputPatch> = (input, path) => {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return err('expected an object');
  const { peerId, ...patch } = input as Record<string, unknown>;
  const id = str(128, 1)(peerId, 'peerId');
  if (!id.ok) return id;
  const checked = deviceOutputPatchValidator(patch, path);
  return checked.ok ? { ok: true, value: { peerId: id.value, ...checked.value } } : checked;
};
export const groupVolumeRequest = obj({ group: num(0, 1) });
const captureSourceId: Validator<string> = (input, path) =>
  isSourceId(input) ? ok(input) : err(`${path ?? 'sourceId'}: expected a source id`);
/** One frame of the live protocol in base64 (JSON carries no bytes); the peer checks the frame itself. */
const base64Frame: Validator<string> = (input, path) =>
  typeof input === 'string' &&
  input.length <= Math.ceil(liveLimits.maxFrameBytes / 3) * 4 &&
  /^[A-Za-z0-9+/]+={0,2}$/.test(input)
    ? ok(input)
    : err(`${path ?? 'frame'}: expected a base64 frame`);
export const captureStartRequest = obj({
  name: deviceName,
  codec: optional(oneOf<CaptureCodec>('opus', 'flac', 'pcm')),
});
/** At most 64 frames a push: a window pushes as its capture batches come (every 43 ms: 2–3 Opus frames or 1 of PCM). */
export const capturePushRequest = obj({ sourceId: captureSourceId, frames: arrayOf(base64Frame, 64) });
export const captureStopRequest = obj({ sourceId: captureSourceId });
export const playlistSaveRequest = obj({
  id: optional(playlistIdValidator),
  name: playlistNameValidator,
  trackIds: playlistTrackIdsValidator,
});
export const playlistDeleteRequest = obj({ id: playlistIdValidator });
export const playlistPlayRequest = obj({ id: playlistIdValidator, index: optional(int(0, 499)) });
/** An M3U8 text that is well-formed and holds no more entries than a playlist takes. */
const m3u8Playlist: Validator<string> = (input, path) => {
  const text = m3u8TextValidator(input, path);
  if (!text.ok) return text;
  const parsed = parseM3u8(text.value);
  return parsed.ok ? text : err(`${path ?? 'm3u8'}: ${parsed.error}`);
};
export const playlistImportRequest = obj({ name: playlistNameValidator, m3u8: m3u8Playlist });
export const playlistExportRequest = obj({
  playlistId: playlistIdValidator,
  mediaBaseUrl: optional((input: unknown, path?: string) =>
    typeof input === 'string' && input.length <= 200 && /^https?:\/\/[^\s]+$/.test(input)
      ? ok(input)
      : err(`${path ?? 'mediaBaseUrl'}: expected an http(s) URL`),
  ),
});

export const speakerStateRequest = obj({
  state: oneOf<SpeakerState>('idle', 'playing', 'waiting', 'decoding', 'needs-click', 'failed'),
  detail: (input: unknown, path?: string) => (input === null ? ok(null) : str(300)(input, path)),
});
export const syncReport = obj({ errorMs: num(-1e6, 1e6), boundMs: num(0, 1e6) });
const trackId = str(128, 1);
export const readyRequest = obj({ trackId, needMs: optional(num(0, MAX_SPEAKER_NEED_MS)) });
export const unplayableRequest = obj({ trackId, reason: str(300, 1) });
export const revokeRequest = obj({ id: str(64, 1) });
export const confirmRequest = obj({ id: str(64, 1), accept: bool });
export const enqueueRequest = obj({ trackIds: arrayOf(trackId, 500) });
export const removeRequest = obj({ index: int(0, 10_000) });
export const moveRequest = obj({ from: int(0, 10_000), to: int(0, 10_000) });
export const replaceRequest = obj({ trackIds: arrayOf(trackId, 500), playIndex: optional(int(0, 499)) });
export const shuffleRequest = obj({ on: bool });
export const repeatRequest = obj({ mode: oneOf<RepeatMode>(...repeatModes) });
export const crossfadeRequest = obj({ sec: crossfadeSecValidator });
export const loudnessRequest = refine(obj(loudnessChangeFields), someLoudnessField);
