import { describe, expect, it } from 'vitest';
import { MediaService, mimeOf } from './media';

describe('MediaService', () => {
  it('names the MIME type a browser expects for each codec', () => {
    expect(['mp3', 'flac', 'opus', 'pcm', 'alac', 'wma'].map(mimeOf)).toEqual([
      'audio/mpeg',
      'audio/flac',
      'audio/ogg',
      'audio/wav',
      'audio/mp4',
      'application/octet-stream',
    ]);
  });

  it('serves nothing while the peer does not run, nor an unknown kind or track', async () => {
    const stopped = new MediaService({
      running: () => null,
      roomTrack: () => null,
      storage: () => null,
      arriving: async () => null,
    });
    expect(await stopped.media('track', 'x')).toBeNull();
    expect(stopped.liveMedia('s', new AbortController().signal)).toBeNull();
    const library = { get: () => null, isLocal: () => false };
    const running = new MediaService({
      running: () => ({ library: { library } }) as never,
      roomTrack: () => null,
      storage: () => null,
      arriving: async () => null,
    });
    expect(await running.media('lyrics', 'x')).toBeNull();
    expect(await running.media('track', 'x')).toBeNull();
  });

  it('a local track is read in ranges with its codec MIME type', async () => {
    const read: [number, number][] = [];
    const library = {
      get: () => ({ codec: 'flac', sizeBytes: 1000 }),
      isLocal: () => true,
      trackRange: async (_id: string, start: number, end: number) => {
        read.push([start, end]);
        return new Uint8Array(end - start);
      },
    };
    const media = new MediaService({
      running: () => ({ library: { library }, fetcher: { isComplete: () => false } }) as never,
      roomTrack: () => null,
      storage: () => null,
      arriving: async () => null,
    });
    const body = await media.media('track', 't');
    expect(body).toMatchObject({ mime: 'audio/flac', sizeBytes: 1000 });
    expect(body?.arrival).toBeUndefined();
    await body?.read({ start: 10, end: 20 }, { signal: new AbortController().signal });
    expect(read).toEqual([[10, 20]]);
  });
});
