/**
 * DEV/TEST ONLY: a generated library for load tests and screenshots. A page opened with
 * `?fixture=N` shows N made-up tracks instead of the room's real library (the contract has no
 * way to add tracks, and nobody keeps 50,000 audio files around for a scroll test).
 * Nothing else in the app depends on it; playing a fixture track fails like any unknown track.
 */
import type { RoomTrack } from '../../shared/bridge/payloads';
import { seededRandom } from '../../shared/random';

/** Most tracks a fixture may ask for. */
export const MAX_FIXTURE_TRACKS = 200_000;

/** The fixture size asked for by a page's query string (`?fixture=50000`), or null for the real library. */
export function fixtureCountFromSearch(search: string): number | null {
  const raw = new URLSearchParams(search).get('fixture');
  if (raw === null || !/^\d+$/.test(raw)) return null;
  const n = Number(raw);
  return n > 0 ? Math.min(n, MAX_FIXTURE_TRACKS) : null;
}

const adjectives = [
  'Amber',
  'Silent',
  'Electric',
  'Golden',
  'Midnight',
  'Velvet',
  'Hollow',
  'Paper',
  'Northern',
  'Glass',
  'Wild',
  'Slow',
  'Neon',
  'Quiet',
  'Burning',
  'Blue',
];
const nouns = [
  'Fireflies',
  'Harbour',
  'Signals',
  'Orchard',
  'Satellites',
  'Rivers',
  'Lanterns',
  'Echoes',
  'Meadow',
  'Tides',
  'Engines',
  'Comets',
  'Gardens',
  'Windows',
  'Summer',
  'Static',
];
const artistsFirst = ['The', 'Lumen', 'Nora', 'Atlas', 'Kito', 'Marlow', 'Juniper', 'Odd', 'Sable', 'Echo'];
const artistsSecond = [
  'Collective',
  'Ferreira',
  'Park',
  'Ensemble',
  'Lane',
  'Quartet',
  'Halloran',
  'Twins',
  'Mori',
  'Club',
];
const codecs = ['mp3', 'flac', 'aac', 'opus', 'vorbis'];

const pick = <T>(items: readonly T[], r: number): T =>
  items[Math.floor(r * items.length) % items.length] as T;

/** `count` made-up tracks: albums of 8–14 tracks by a few hundred artists, some on this device, some elsewhere. */
export function fixtureTracks(count: number, seed = 1): RoomTrack[] {
  const rnd = seededRandom(seed);
  const tracks: RoomTrack[] = [];
  let albumNo = 0;
  while (tracks.length < count) {
    albumNo += 1;
    const artist = `${pick(artistsFirst, rnd())} ${pick(artistsSecond, rnd())}${albumNo % 7 === 0 ? '' : ` ${albumNo % 37}`}`;
    const album = `${pick(adjectives, rnd())} ${pick(nouns, rnd())}`;
    const size = 8 + Math.floor(rnd() * 7);
    const local = rnd() < 0.6;
    const codec = pick(codecs, rnd());
    for (let no = 1; no <= size && tracks.length < count; no++) {
      const index = tracks.length;
      const durationSec = 95 + Math.floor(rnd() * 330);
      tracks.push({
        index,
        trackId: `fixture${String(index).padStart(57, '0')}`,
        title: `${pick(adjectives, rnd())} ${pick(nouns, rnd())}${rnd() < 0.2 ? ' (Live)' : ''}`,
        artist,
        album,
        trackNo: no,
        durationSec,
        codec,
        sizeBytes: durationSec * (codec === 'flac' ? 110_000 : 24_000),
        hasCover: false,
        holders: [],
        local,
      });
    }
  }
  return tracks;
}
