/**
 * The airplay preset with the real shairport-sync (#22 item 5), where it is installed (CI installs
 * it): started as the preset says, inside a network namespace of the test's own with avahi (it
 * stops at once without an mDNS daemon), it keeps running, advertises an AirPlay receiver
 * (`_raop._tcp`) named after the device and answers RTSP on its port; stopping the source ends it.
 * PCM comes only once an AirPlay sender plays to it, which this test has none of: the source stays
 * `starting` (waiting for sound).
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveSource } from './live-source';
import { missing, probeAirplay, startAvahiNetns, type AvahiNetns } from './testing/avahi-netns';
import { parseSource } from './uri';

const PEER = '12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp';
const SHAIRPORT = '/usr/bin/shairport-sync';
const skip = existsSync(SHAIRPORT)
  ? missing()
  : `${SHAIRPORT} is not installed (apt-get install shairport-sync)`;
if (skip) console.warn(`shairport-sync test skipped: ${skip}`);

let netns: AvahiNetns | null = null;
beforeAll(() => {
  if (!skip) netns = startAvahiNetns();
});
afterAll(() => netns?.stop());

describe.skipIf(skip !== null)('the airplay preset with shairport-sync', () => {
  it('starts shairport-sync, which advertises the receiver and answers RTSP', async () => {
    const preset = parseSource('airplay', PEER, 'Firefly test room', '/usr/bin');
    expect(preset).toMatchObject({ kind: 'command', path: SHAIRPORT, format: { sampleRate: 44100 } });
    // The preset's program and arguments, run inside the namespace where avahi is.
    const [program, ...args] = netns!.exec([preset.path, ...preset.args]);
    const source = new LiveSource({ ...preset, path: program!, args }, { groupNow: () => Date.now() });
    source.start();
    try {
      let probe = { registered: false, rtsp: null as string | null };
      for (let i = 0; i < 5 && !(probe.registered && probe.rtsp); i++) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        probe = probeAirplay(netns!, 'Firefly test room', 5000);
      }
      expect(probe).toEqual({ registered: true, rtsp: 'RTSP/1.0 200 OK' });
      expect(source.info()).toMatchObject({ state: 'starting', error: null });
      expect(source.restarts).toBe(0);
    } finally {
      source.stop();
    }
    // Stopped with the source: nothing answers on its port any more.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(probeAirplay(netns!, 'nobody', 5000).rtsp).toMatch(/^error/);
  });
});
