/**
 * Warms the decoder when its worker starts: a fifth of a second of MP3 and a tenth of AAC in M4A, held here,
 * opened and decoded through the same path as a track. The first track a page ever decoded paid for the
 * demuxer's and the codec's first use: its probe took 750 ms where later ones took 50-240 ms (a 10-minute
 * MP3, the 2-core machine at load 8), and that first play is the one a new user waits for.
 */
import { TrackStream } from './track-stream';

const SAMPLES: Record<string, string> = {
  // ffmpeg -f lavfi -i sine=frequency=440:duration=0.2:sample_rate=44100 -ac 2 -c:a libmp3lame -b:a 32k
  mp3:
    'SUQzBAAAAAAAI1RTU0UAAAAPAAADTGF2ZjU5LjI3LjEwMAAAAAAAAAAAAAAA//tQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' +
    'AAAAAAAAAAAASW5mbwAAAA8AAAAJAAAEfABFRUVFRUVFRUVFRVxcXFxcXFxcXFxcdHR0dHR0dHR0dHSLi4uLi4uLi4uLi6Ki' +
    'oqKioqKioqKiurq6urq6urq6urrR0dHR0dHR0dHR0ejo6Ojo6Ojo6Ojo//////////////8AAAAATGF2YzU5LjM3AAAAAAAA' +
    'AAAAAAAAJAPMAAAAAAAABHxijMBNAAAAAAAAAAAAAAAAAAAAAP/7EGQAAAB5BtOFMAAKAAANIKAAAQQIM0oZoQAAAAA0gwAA' +
    'ABLEszjOBABAGhMfu2+Hh5eYQ8JQFaVgCjDWAYaDxF0bYXXGhq//fCgPgINcKgr9igIABvGluTRn6oCSsth2mpqbJ0DX//sS' +
    'ZAoD8IwG0y9oAAgAAA0g4AABAkQdVoDhIOAAADSAAAAEgAQU7+RMAZQvsO/G0AjR5Wlp0HIhBjRPA0MEZaSkkAUdsOwDzQBe' +
    'kCpluWwwgmpBq00pdIRA5oPufw7LiNEQElkoGvAA//sQZBqD8IgHUAGbMJgAAA0gAAABAdgbXQThInAAADSAAAAE8EwBKwYl' +
    'UdgNkahdGnANMAAylA7Hgp5e2IErAIkxgPHivgALxDLqBgcIlXANMAArEg9HQv9euQVlAhRbBGCCJ5qUWDr/+xJkLIPwhwdQ' +
    'A3kxCAAADSAAAAECGBtag2EiYAAANIAAAASNegbI0AjmZSgdR2MaqAMZP6xCgFRANcABR+8AFwzI6geHiIqrRyKhgFMn5zJA' +
    'VyjdRCkmUSVYAADvpnIj9Tu7P2owA4z/+xBkPgfwhAdWIRgYmAAADSAAAAEBnBtegDxg4AAANIAAAATW5xQSK/xu+ChBiwnP' +
    '93LENP9/jkCgOQDFgLJcEJY9wfEp3opMQU1FMy4xMDCqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqv/7EmRRA/CDB1YhGBiYAAAN' +
    'IAAAAQHwG0IE7SJgAAA0gAAABKqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq' +
    'qqqqqqqqqqqqqqqqqqqqqv/7EGRjg/BuBtGBGxiYAAANIAAAAQHYG1yAPMDgAAA0gAAABKqqqqqqqqqqqqqqqqqqqqqqqqqq' +
    'qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq//sSZHcD8HwG0IGbMJgAAA0gAAABAbgd' +
    'gdRgADAAADSCgAAEqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq' +
    'qqqqqqqqqqqq//sQZIqAATQOUYZoQAAAAA0gwAAAAAABpBwAACAAADSDgAAEqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq' +
    'qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqo=',
  // ffmpeg -f lavfi -i anullsrc=r=44100:cl=stereo -t 0.1 -c:a aac -b:a 32k (M4A)
  m4a:
    'AAAAHGZ0eXBNNEEgAAACAE00QSBpc29taXNvMgAAAAhmcmVlAAAAPW1kYXTeAgBMYXZjNTkuMzcuMTAwAEIgCMEYOCEQBGCM' +
    'HCEQBGCMHCEQBGCMHCEQBGCMHCEQBGCMHAAAAxNtb292AAAAbG12aGQAAAAAAAAAAAAAAAAAAAPoAAAAZAABAAABAAAAAAAA' +
    'AAAAAAAAAQAAAAAAAAAAAAAAAAAAAAEAAAAAAAAAAAAAAAAAAEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACAAAC' +
    'PXRyYWsAAABcdGtoZAAAAAMAAAAAAAAAAAAAAAEAAAAAAAAAZAAAAAAAAAAAAAAAAQEAAAAAAQAAAAAAAAAAAAAAAAAAAAEA' +
    'AAAAAAAAAAAAAAAAAEAAAAAAAAAAAAAAAAAAACRlZHRzAAAAHGVsc3QAAAAAAAAAAQAAAGQAAAQAAAEAAAAAAbVtZGlhAAAA' +
    'IG1kaGQAAAAAAAAAAAAAAAAAAKxEAAAVOlXEAAAAAAAtaGRscgAAAAAAAAAAc291bgAAAAAAAAAAAAAAAFNvdW5kSGFuZGxl' +
    'cgAAAAFgbWluZgAAABBzbWhkAAAAAAAAAAAAAAAkZGluZgAAABxkcmVmAAAAAAAAAAEAAAAMdXJsIAAAAAEAAAEkc3RibAAA' +
    'AGpzdHNkAAAAAAAAAAEAAABabXA0YQAAAAAAAAABAAAAAAAAAAAAAgAQAAAAAKxEAAAAAAA2ZXNkcwAAAAADgICAJQABAASA' +
    'gIAXQBUAAAAAAH0AAAANcQWAgIAFEhBW5QAGgICAAQIAAAAgc3R0cwAAAAAAAAACAAAABQAABAAAAAABAAABOgAAABxzdHNj' +
    'AAAAAAAAAAEAAAABAAAABgAAAAEAAAAsc3RzegAAAAAAAAAAAAAABgAAABcAAAAGAAAABgAAAAYAAAAGAAAABgAAABRzdGNv' +
    'AAAAAAAAAAEAAAAsAAAAGnNncGQBAAAAcm9sbAAAAAIAAAAB//8AAAAcc2JncAAAAAByb2xsAAAAAQAAAAYAAAABAAAAYnVk' +
    'dGEAAABabWV0YQAAAAAAAAAhaGRscgAAAAAAAAAAbWRpcmFwcGwAAAAAAAAAAAAAAAAtaWxzdAAAACWpdG9vAAAAHWRhdGEA' +
    'AAABAAAAAExhdmY1OS4yNy4xMDA=',
};

/** Opens and decodes each sample to the end at `contextRate`; resolves with the formats that failed (none, normally). */
export async function warmUp(contextRate: number): Promise<string[]> {
  const failed: string[] = [];
  for (const [format, text] of Object.entries(SAMPLES)) {
    const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
    try {
      const stream = await TrackStream.open({
        trackId: `warm-up.${format}`,
        url: `memory:warm-up.${format}`,
        headers: {},
        fetch: () => Promise.resolve(new Response(bytes)),
      });
      try {
        for await (const chunk of stream.chunks(0, contextRate)) void chunk;
      } finally {
        stream.close();
      }
    } catch {
      failed.push(format);
    }
  }
  return failed;
}
