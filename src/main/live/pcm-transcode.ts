/**
 * A live stream as PCM for a window that cannot decode Opus (no WebCodecs `AudioDecoder`): it asks
 * `GET /media/live/<id>?codec=pcm` and its peer decodes the source's OPUS (and FLAC) frames into PCM
 * frames with the same stamps. Other frames pass as they are; a frame that does not decode is dropped
 * and counted (the player fades over the gap).
 */
import { decodeFlacLiveFrame } from '../../shared/live/flac-decode';
import { LIVE_FLAC, LIVE_OPUS, decodeLiveFrame, encodePcmFrame } from '../../shared/live/frames';
import { LiveOpusDecoder } from './opus-decoder';

/** Counters of all transcoded streams. */
export const pcmTranscodeStats = { undecodable: 0, undecodableFlac: 0 };

/** `frames` with every OPUS and FLAC frame decoded into a PCM frame. */
export async function* asPcmFrames(frames: AsyncGenerator<Uint8Array>): AsyncGenerator<Uint8Array> {
  const decoder = new LiveOpusDecoder();
  try {
    for await (const bytes of frames) {
      if (bytes[0] === LIVE_FLAC) {
        const frame = decodeLiveFrame(bytes);
        const pcm = frame.ok && frame.value.type === 'flac' ? decodeFlacLiveFrame(frame.value) : null;
        if (pcm?.ok) yield encodePcmFrame(pcm.value.groupMs, pcm.value.sampleRate, pcm.value.pcm);
        else pcmTranscodeStats.undecodableFlac++;
        continue;
      }
      if (bytes[0] !== LIVE_OPUS) {
        yield bytes;
        continue;
      }
      const frame = decodeLiveFrame(bytes);
      const pcm = frame.ok && frame.value.type === 'opus' ? decoder.decode(frame.value) : null;
      if (!pcm?.ok) {
        pcmTranscodeStats.undecodable++;
        continue;
      }
      yield encodePcmFrame(pcm.value.groupMs, pcm.value.sampleRate, pcm.value.pcm);
    }
  } finally {
    decoder.close();
    await frames.return(undefined);
  }
}
