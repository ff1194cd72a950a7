import { describe, expect, it } from 'vitest';
import { DropCounter } from './drops';
import { ControlEncodeError, decodeControl, encodeControl, sealControl } from './codec';
import { CONTROL_PROTOCOL_VERSION, controlLimits, type ControlMessage } from './messages';

const ALICE = '12D3KooWAlice1111111111111111111111111111111111111';
const BOB = '12D3KooWBob22222222222222222222222222222222222222222';

const utf8 = (text: string) => new TextEncoder().encode(text);
const json = (value: unknown) => utf8(JSON.stringify(value));

const aHeartbeat = (over: Partial<Record<string, unknown>> = {}): Record<string, unknown> => ({
  v: 1,
  type: 'heartbeat',
  from: ALICE,
  epoch: 3,
  seq: 17,
  name: 'Kitchen',
  priority: 5,
  addrs: ['/ip4/127.0.0.1/tcp/4001'],
  role: 'leader',
  leaderId: ALICE,
  clock: null,
  speaker: true,
  download: null,
  periodMs: 250,
  ...over,
});

const samples: ControlMessage[] = [
  aHeartbeat() as unknown as ControlMessage,
  {
    v: 1,
    type: 'heartbeat',
    from: BOB,
    epoch: 0,
    seq: 0,
    name: '',
    priority: -3,
    addrs: [],
    role: 'candidate',
    leaderId: null,
    clock: { offsetMs: -12.5, driftPpm: 3.2, rttMs: 0.4, errorMs: 0.05 },
    speaker: false,
    download: { trackId: 'ab'.repeat(32), haveChunks: 3, totalChunks: 40 },
    output: { state: 'failed', detail: 'This file could not be decoded', syncErrorMs: null },
    periodMs: 2000,
  },
  // An older build's heartbeat: no period.
  {
    v: 1,
    type: 'heartbeat',
    from: BOB,
    epoch: 0,
    seq: 3,
    name: 'old',
    priority: 0,
    addrs: [],
    role: 'follower',
    leaderId: ALICE,
    clock: null,
    speaker: true,
    download: null,
  },
  { v: 1, type: 'election', from: BOB, epoch: 2, seq: 1, priority: 0, leaderId: ALICE },
  { v: 1, type: 'election', from: BOB, epoch: 0, seq: 2, priority: 0, leaderId: null },
  { v: 1, type: 'answer', from: ALICE, epoch: 2, seq: 9, to: BOB, priority: 7 },
  { v: 1, type: 'coordinator', from: ALICE, epoch: 4, seq: 10, priority: 7 },
  { v: 1, type: 'leave', from: ALICE, epoch: 4, seq: 11 },
];

const refusal = (bytes: Uint8Array, expectedFrom?: string) => {
  const r = decodeControl(bytes, expectedFrom);
  if (r.ok) throw new Error(`expected a refusal, got ${JSON.stringify(r.value)}`);
  return r;
};

describe('control codec', () => {
  it('round-trips every message type', () => {
    for (const msg of samples) {
      const r = decodeControl(encodeControl(msg), msg.from);
      expect(r).toEqual({ ok: true, value: msg });
    }
  });

  it('seals a draft with the protocol version and the given sequence number', () => {
    const sealed = sealControl({ type: 'coordinator', from: ALICE, epoch: 4, priority: 1 }, 42);
    expect(sealed).toEqual({
      type: 'coordinator',
      from: ALICE,
      epoch: 4,
      priority: 1,
      v: CONTROL_PROTOCOL_VERSION,
      seq: 42,
    });
    expect(decodeControl(encodeControl(sealed))).toEqual({ ok: true, value: sealed });
  });

  it('refuses bytes that are not UTF-8 JSON objects as malformed', () => {
    expect(refusal(new Uint8Array([0xff, 0xfe, 0x7b])).reason).toBe('malformed');
    expect(refusal(utf8('{"v":1,')).reason).toBe('malformed');
    expect(refusal(utf8('')).reason).toBe('malformed');
    expect(refusal(utf8('[1,2]')).reason).toBe('malformed');
    expect(refusal(utf8('null')).reason).toBe('malformed');
    expect(refusal(utf8('"heartbeat"')).reason).toBe('malformed');
    expect(refusal('not bytes' as unknown as Uint8Array).reason).toBe('malformed');
  });

  it('shows a heartbeat name as itself: direction and control characters removed, a lone surrogate refused', () => {
    const r = decodeControl(json(aHeartbeat({ name: '\u202EKitchen\n' })));
    expect(r.ok && (r.value as unknown as { name: string }).name).toBe('Kitchen');
    expect(refusal(json(aHeartbeat({ name: 'Kit\udc00chen' }))).reason).toBe('badField');
  });

  it('refuses oversize messages before parsing them', () => {
    const big = json(aHeartbeat({ name: 'x'.repeat(controlLimits.maxMessageBytes) }));
    const r = refusal(big);
    expect(r).toMatchObject({ ignored: false, reason: 'oversize' });
  });

  it('ignores (without refusing) a newer protocol version and an unknown type', () => {
    expect(
      refusal(json({ v: CONTROL_PROTOCOL_VERSION + 1, type: 'anything', whatever: true })),
    ).toMatchObject({
      ignored: true,
      reason: 'newerVersion',
    });
    expect(
      refusal(json({ v: 1, type: 'playback:teleport', from: ALICE, epoch: 0, seq: 0, x: 1 })),
    ).toMatchObject({
      ignored: true,
      reason: 'unknownType',
    });
    // Names that exist on every object must not pass for message types.
    for (const type of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      expect(refusal(json({ v: 1, type, from: ALICE, epoch: 0, seq: 0 })).reason).toBe('unknownType');
    }
  });

  it('refuses a message whose sender differs from the transport sender', () => {
    const bytes = encodeControl(samples[0] as ControlMessage);
    expect(refusal(bytes, BOB)).toMatchObject({ ignored: false, reason: 'spoofedSender' });
  });

  const badFields: [string, Record<string, unknown>][] = [
    ['missing v', aHeartbeat({ v: undefined })],
    [
      'unknown speaker state',
      aHeartbeat({ output: { state: 'exploding', detail: null, syncErrorMs: null } }),
    ],
    [
      'long speaker detail',
      aHeartbeat({ output: { state: 'failed', detail: 'x'.repeat(301), syncErrorMs: null } }),
    ],
    ['non-finite sync error', aHeartbeat({ output: { state: 'playing', detail: null, syncErrorMs: 'NaN' } })],
    ['v zero', aHeartbeat({ v: 0 })],
    ['v fractional', aHeartbeat({ v: 1.5 })],
    ['v string', aHeartbeat({ v: '1' })],
    ['missing from', aHeartbeat({ from: undefined })],
    ['empty from', aHeartbeat({ from: '' })],
    ['from with a slash', aHeartbeat({ from: '12D3/../x' })],
    ['long from', aHeartbeat({ from: 'a'.repeat(controlLimits.maxPeerIdChars + 1) })],
    ['numeric type', aHeartbeat({ type: 7 })],
    ['empty type', aHeartbeat({ type: '' })],
    ['long type', aHeartbeat({ type: 't'.repeat(controlLimits.maxTypeChars + 1) })],
    ['negative epoch', aHeartbeat({ epoch: -1 })],
    ['fractional epoch', aHeartbeat({ epoch: 0.5 })],
    ['unsafe epoch', aHeartbeat({ epoch: 2 ** 60 })],
    ['epoch above the limit', aHeartbeat({ epoch: controlLimits.maxEpoch + 1 })],
    ['negative seq', aHeartbeat({ seq: -1 })],
    ['missing seq', aHeartbeat({ seq: undefined })],
    ['string seq', aHeartbeat({ seq: '3' })],
    ['long name', aHeartbeat({ name: 'n'.repeat(controlLimits.maxNameChars + 1) })],
    [
      'too many addrs',
      aHeartbeat({ addrs: Array.from({ length: controlLimits.maxAddrs + 1 }, () => '/ip4/1.2.3.4') }),
    ],
    ['empty addr', aHeartbeat({ addrs: [''] })],
    ['long addr', aHeartbeat({ addrs: ['a'.repeat(controlLimits.maxAddrChars + 1)] })],
    ['addr not a string', aHeartbeat({ addrs: [1] })],
    ['addrs not an array', aHeartbeat({ addrs: '/ip4/1.2.3.4' })],
    ['unknown role', aHeartbeat({ role: 'king' })],
    ['bad leaderId', aHeartbeat({ leaderId: 'not a peer id!' })],
    ['missing leaderId', aHeartbeat({ leaderId: undefined })],
    ['huge priority', aHeartbeat({ priority: controlLimits.maxPriority + 1 })],
    ['NaN-ish priority', aHeartbeat({ priority: null })],
    ['unknown field', aHeartbeat({ extra: 1 })],
    ['__proto__ field', { ...aHeartbeat(), ['__proto__']: { polluted: true } }],
    ['answer without to', { v: 1, type: 'answer', from: ALICE, epoch: 0, seq: 0, priority: 1 }],
    ['leave with a body', { v: 1, type: 'leave', from: ALICE, epoch: 0, seq: 0, reason: 'bye' }],
    ['election without leaderId', { v: 1, type: 'election', from: ALICE, epoch: 0, seq: 0, priority: 1 }],
  ];

  it.each(badFields)('refuses a bad field: %s', (_label, message) => {
    const r = refusal(json(message));
    expect(r).toMatchObject({ ignored: false, reason: 'badField' });
    expect(r.detail.length).toBeGreaterThan(0);
  });

  it('refuses an own __proto__ key rather than letting it through', () => {
    const text = JSON.stringify(aHeartbeat()).replace('"name"', '"__proto__":{"x":1},"name"');
    const r = refusal(utf8(text));
    expect(r).toMatchObject({ reason: 'badField' });
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('refuses to encode a message peers would refuse', () => {
    const bad = aHeartbeat({ name: 'n'.repeat(controlLimits.maxNameChars + 1) }) as unknown as ControlMessage;
    expect(() => encodeControl(bad)).toThrow(ControlEncodeError);
    const unknown = { ...(samples[5] as ControlMessage), type: 'nope' } as unknown as ControlMessage;
    expect(() => encodeControl(unknown)).toThrow(/unknownType/);
  });

  it('never throws on random or mutated bytes', () => {
    let state = 0x12345678;
    const rand = () => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) / 2 ** 32;
    };
    const valid = samples.map((m) => encodeControl(m));
    let oks = 0;
    for (let i = 0; i < 5000; i++) {
      let bytes: Uint8Array;
      if (i % 2 === 0) {
        bytes = new Uint8Array(Math.floor(rand() * 300));
        for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(rand() * 256);
      } else {
        const base = valid[i % valid.length] as Uint8Array;
        bytes = base.slice();
        const flips = 1 + Math.floor(rand() * 4);
        for (let f = 0; f < flips; f++) bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 128);
      }
      const r = decodeControl(bytes, rand() < 0.5 ? ALICE : undefined);
      if (r.ok) {
        oks++;
        // Whatever decodes must encode again: the decoder never admits what the encoder refuses.
        expect(() => encodeControl(r.value)).not.toThrow();
      } else {
        expect(typeof r.reason).toBe('string');
      }
    }
    expect(oks).toBeLessThan(5000);
  });

  it('survives deeply nested JSON', () => {
    const depth = 30_000;
    const r = refusal(
      utf8(
        `{"v":1,"type":"heartbeat","from":"${ALICE}","epoch":0,"seq":0,"name":${'['.repeat(depth)}${']'.repeat(depth)}}`,
      ),
    );
    expect(['badField', 'malformed']).toContain(r.reason);
  });
});

describe('DropCounter', () => {
  it('counts refused and ignored results by reason and passes ok ones through', () => {
    const drops = new DropCounter();
    expect(drops.accept(decodeControl(encodeControl(samples[2] as ControlMessage)))).toEqual(samples[2]);
    expect(drops.accept(decodeControl(utf8('junk')))).toBeNull();
    expect(drops.accept(decodeControl(utf8('junk')))).toBeNull();
    expect(
      drops.accept(decodeControl(json({ v: 1, type: 'future', from: ALICE, epoch: 0, seq: 0 }))),
    ).toBeNull();
    drops.count('staleEpoch', 3);
    expect(drops.snapshot()).toEqual({ malformed: 2, unknownType: 1, staleEpoch: 3 });
    expect(drops.get('malformed')).toBe(2);
    expect(drops.get('oversize')).toBe(0);
    expect(drops.total()).toBe(6);
    const snap = drops.snapshot();
    drops.count('malformed');
    expect(snap.malformed).toBe(2);
  });
});
