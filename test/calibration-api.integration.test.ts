/**
 * `POST|GET /api/calibration` against a real headless peer (#23): what a script sees with no speaker, with a
 * window that has no microphone, and with one that takes the calibration over the WebSocket bridge, plays
 * its part of the plan and reports; bad input is a clear 4xx.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { CalibrationReport } from '../src/shared/calibration/messages';
import { apiFetch, launchPeer, stopPeers, type TestPeer } from './support/peers';

let peer: TestPeer;
beforeAll(async () => {
  peer = await launchPeer({ name: 'calibrated' });
}, 60_000);
afterAll(async () => {
  await stopPeers([peer]);
});

/** A window on the bridge: sends requests, and collects events. */
async function openWindow() {
  const socket = new WebSocket(
    `${peer.ui.replace('http', 'ws')}/bridge`,
    ['firefly', `firefly-token.${peer.token}`],
    {
      headers: { origin: peer.ui },
    },
  );
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const events: Array<{ event: string; payload: unknown }> = [];
  const replies = new Map<number, (reply: { ok: boolean; value?: unknown; error?: string }) => void>();
  const listeners: Array<(e: { event: string; payload: unknown }) => void> = [];
  socket.on('message', (data) => {
    const frame = JSON.parse(data.toString()) as { id?: number; event?: string; payload?: unknown };
    if (frame.event) {
      const e = { event: frame.event, payload: frame.payload };
      events.push(e);
      for (const l of listeners) l(e);
    } else if (typeof frame.id === 'number') replies.get(frame.id)?.(frame as never);
  });
  let next = 1;
  const call = (channel: string, payload?: unknown) =>
    new Promise<{ ok: boolean; value?: unknown; error?: string }>((resolve) => {
      const id = next++;
      replies.set(id, resolve);
      socket.send(JSON.stringify({ id, channel, payload }));
    });
  return {
    socket,
    events,
    call,
    onEvent: (l: (e: { event: string; payload: unknown }) => void) => listeners.push(l),
  };
}

const post = async (body: unknown) => {
  const response = await apiFetch(peer.ui, '/api/calibration', { method: 'POST', body });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe('the calibration API', () => {
  it('has no result at first, and refuses bad input and a room with no speaker with a clear 4xx', async () => {
    const latest = await apiFetch(peer.ui, '/api/calibration');
    expect(latest.status).toBe(200);
    expect(await latest.json()).toEqual({ report: null });
    expect(await post({ peerIds: 'all' })).toMatchObject({
      status: 400,
      body: { error: expect.stringMatching(/peerIds/) },
    });
    expect(await post({ check: 1 })).toMatchObject({ status: 400 });
    expect(await post({ extra: true })).toMatchObject({
      status: 400,
      body: { error: expect.stringMatching(/unknown field/) },
    });
    expect(await post({})).toMatchObject({
      status: 422,
      body: { error: expect.stringMatching(/no speaker to calibrate/) },
    });
  });

  it('says so when no window with a microphone takes it', async () => {
    const window = await openWindow();
    try {
      await expect
        .poll(async () => (await post({ peerIds: ['QmNotHere'] })).status, { timeout: 10_000 })
        .toBe(422);
      const refused = await post({});
      expect(refused).toMatchObject({
        status: 409,
        body: { error: expect.stringMatching(/no window with a microphone/) },
      });
      expect(window.events.some((e) => e.event === 'calibration:requested')).toBe(true);
    } finally {
      window.socket.close();
    }
  });

  it('lets a window with a microphone take it, play its part and report the result', async () => {
    const window = await openWindow();
    try {
      window.onEvent((e) => {
        if (e.event !== 'calibration:requested') return;
        void window.call('calibration:accept', {
          calibrationId: (e.payload as { calibrationId: string }).calibrationId,
        });
      });
      const started = await post({ check: true });
      expect(started.status).toBe(200);
      const calibrationId = started.body.calibrationId as string;
      const requested = window.events.find((e) => e.event === 'calibration:requested')?.payload as {
        peerIds: string[];
        check: boolean;
      };
      expect(requested).toMatchObject({ peerIds: [peer.peerId], check: true });

      // The window's plan: this device plays two sweeps; a plan that strays outside itself is refused.
      const plan = {
        calibrationId,
        startGroupMs: 5_000_000,
        endGroupMs: 5_004_000,
        signals: [{ peerId: peer.peerId, atGroupMs: [5_000_400, 5_002_000] }],
      };
      expect(await window.call('calibration:play', plan)).toMatchObject({ ok: true });
      await expect
        .poll(() => window.events.find((e) => e.event === 'calibration:signal')?.payload)
        .toEqual({
          calibrationId,
          startGroupMs: 5_000_000,
          endGroupMs: 5_004_000,
          atGroupMs: [5_000_400, 5_002_000],
        });
      const bad = await window.call('calibration:play', {
        ...plan,
        signals: [{ peerId: peer.peerId, atGroupMs: [9e6] }],
      });
      expect(bad).toMatchObject({ ok: false, error: expect.stringMatching(/between its start and end/) });

      const report: CalibrationReport = {
        calibrationId,
        mode: 'check',
        state: 'done',
        by: 'test window',
        startedAtMs: 1,
        finishedAtMs: 2,
        speakers: [
          {
            peerId: peer.peerId,
            name: 'calibrated',
            heard: true,
            delayMs: 71.2,
            spreadMs: 0.05,
            confidence: 'high',
            accepted: 3,
            total: 3,
            rejected: {},
            outputOffsetMs: 0,
            proposedOffsetMs: null,
            residualMs: null,
            changed: false,
          },
        ],
        message: null,
      };
      expect(await window.call('calibration:report', report)).toMatchObject({ ok: true });
      expect(await (await apiFetch(peer.ui, '/api/calibration')).json()).toEqual({ report });
      expect(await window.call('calibration:report', { ...report, state: 'bogus' })).toMatchObject({
        ok: false,
      });
    } finally {
      window.socket.close();
    }
  });
});
