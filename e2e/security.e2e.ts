/**
 * The local API against real web pages in Chromium. A page on another local port and a page whose
 * name is rebound to 127.0.0.1 can neither read nor change anything (fetch with cors and no-cors,
 * WebSocket, images); a phone-sized browser on another address (a network namespace joined by a
 * veth pair, so the peer sees a real remote address) sees only the pairing screen until it enters
 * the device's code, then controls the room; a wrong code is refused and guessing is locked out;
 * the passphrase it asks to change waits for the device's user; revoking it shuts it out.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, expect, test, type Browser } from '@playwright/test';
import { apiFetch, launchPeer, type TestPeer } from '../test/support/peers';
import { musicFolder, removeMusicFolders, waitForTracks } from './ui/helpers';

const chromiumPath = process.env.FIREFLY_CHROMIUM ?? '/usr/bin/chromium';
const baseArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--autoplay-policy=no-user-gesture-required',
];

let peer: TestPeer | null = null;
const cleanups: Array<() => Promise<void> | void> = [];
test.afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await peer?.stop();
  if (peer) rmSync(peer.dataDir, { recursive: true, force: true });
  peer = null;
  removeMusicFolders();
});

/** What the peer's state looks like to its own user: settings and playback. */
async function deviceState(target: TestPeer) {
  const settings = (await (await apiFetch(target.ui, '/api/settings')).json()) as Record<string, unknown>;
  const status = (await (await apiFetch(target.ui, '/api/status')).json()) as { playback: { state: string } };
  return {
    name: settings.name,
    volume: settings.volume,
    libraries: settings.libraries,
    playback: status.playback.state,
  };
}

/** Everything an attacking page tries; each entry says what the page could see. */
const attack = async ([peerUi, mediaPath]: readonly [string, string]) => {
  const results: Record<string, string> = {};
  const tryIt = async (label: string, run: () => Promise<string>) => {
    try {
      results[label] = await run();
    } catch (error) {
      results[label] = `blocked: ${(error as Error).name} ${(error as Error).message}`;
    }
  };
  const read = async (response: Response) =>
    `status ${response.status} type ${response.type} body ${await response.text()}`;
  await tryIt('cors read status', async () => read(await fetch(`${peerUi}/api/status`)));
  await tryIt('cors read settings', async () => read(await fetch(`${peerUi}/api/settings`)));
  await tryIt('no-cors read status', async () =>
    read(await fetch(`${peerUi}/api/status`, { mode: 'no-cors' })),
  );
  for (const [route, body] of [
    ['/api/play', { index: 0 }],
    ['/api/settings', { name: 'pwned', volume: 0.01 }],
    ['/api/settings', { libraries: ['/tmp'] }],
  ] as const) {
    await tryIt(`no-cors post ${route}`, async () =>
      read(
        await fetch(`${peerUi}${route}`, {
          method: 'POST',
          mode: 'no-cors',
          headers: { 'content-type': 'text/plain' },
          body: JSON.stringify(body),
        }),
      ),
    );
    await tryIt(`cors json post ${route}`, async () =>
      read(
        await fetch(`${peerUi}${route}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }),
      ),
    );
  }
  await tryIt(
    'websocket',
    () =>
      new Promise<string>((resolve) => {
        const socket = new WebSocket(`${peerUi.replace('http', 'ws')}/bridge`, ['firefly']);
        socket.onopen = () => {
          socket.send(JSON.stringify({ id: 1, channel: 'settings:get', payload: null }));
          socket.onmessage = (m) => resolve(`open, read ${String(m.data)}`);
        };
        socket.onerror = () => resolve('blocked: error');
        socket.onclose = () => resolve('blocked: closed');
      }),
  );
  await tryIt(
    'image',
    () =>
      new Promise<string>((resolve) => {
        const img = new Image();
        img.onload = () => resolve(`loaded ${img.naturalWidth}x${img.naturalHeight}`);
        img.onerror = () => resolve('blocked: error');
        img.src = `${peerUi}${mediaPath}`;
      }),
  );
  return results;
};

/** Asserts that nothing in an attack's results shows the peer's data or a success. */
function expectNothingLeaked(results: Record<string, string>) {
  for (const [label, outcome] of Object.entries(results)) {
    // A CORS-blocked fetch throws; a no-cors one is opaque (status 0, empty body); a refused request is a 403 or 401.
    expect(outcome, label).toMatch(
      /^(blocked|status (0|401|403|415) type (opaque|basic|cors) body ($|\{"error))/,
    );
    expect(outcome, label).not.toMatch(/peerId|roomPassphrase|libraries|"volume"/);
  }
}

async function startAttackerServer(host: string): Promise<{ origin: string; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>Some local dev server</title><p>hello</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://${host === '127.0.0.1' ? '127.0.0.1' : 'localhost'}:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function startPeerWithMusic(args: string[] = []): Promise<{ target: TestPeer; mediaPath: string }> {
  const library = await musicFolder();
  const target = await launchPeer({ name: 'den', args: ['--library', library, ...args] });
  peer = target;
  await waitForTracks(target, 6);
  const tracks = (await (await apiFetch(target.ui, '/api/tracks')).json()) as Array<{
    trackId: string;
    hasCover: boolean;
  }>;
  const covered = tracks.find((t) => t.hasCover);
  return { target, mediaPath: `/media/cover/${covered?.trackId ?? ''}` };
}

test('pages on other local ports can neither read nor change anything', async ({ browser }) => {
  const { target, mediaPath } = await startPeerWithMusic();
  const before = await deviceState(target);
  // Same site (127.0.0.1, another port) and another site (localhost) alike.
  for (const host of ['127.0.0.1', 'localhost']) {
    const attacker = await startAttackerServer(host);
    cleanups.push(() => attacker.close());
    const page = await browser.newPage();
    await page.goto(attacker.origin);
    const results = await page.evaluate(attack, [target.ui, mediaPath] as const);
    console.log(`attack from ${attacker.origin}: ${JSON.stringify(results)}`);
    expectNothingLeaked(results);
    await page.close();
  }
  expect(await deviceState(target)).toEqual(before);
});

test('a rebound name (DNS rebinding) gets 403 for the page, the API and the WebSocket', async () => {
  const { target, mediaPath } = await startPeerWithMusic();
  const before = await deviceState(target);
  const port = new URL(target.ui).port;
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [...baseArgs, '--host-resolver-rules=MAP evil.example 127.0.0.1'],
  });
  cleanups.push(() => browser.close());
  const page = await browser.newPage();
  const landing = await page.goto(`http://evil.example:${port}/`);
  expect(landing?.status()).toBe(403);
  expect(await landing?.text()).toMatch(/not this peer/);
  // Now the attacker's page is same-origin with the peer as far as the browser knows.
  const results = await page.evaluate(attack, [`http://evil.example:${port}`, mediaPath] as const);
  console.log(`rebinding attack: ${JSON.stringify(results)}`);
  expectNothingLeaked(results);
  expect(results['cors read status']).toMatch(/^status 403/);
  expect(await deviceState(target)).toEqual(before);
});

/** A network namespace joined to this one by a veth pair: a second machine on a tiny LAN. */
function makeLan(): { peerAddress: string; wrapper: string; remove(): void } | string {
  if (process.getuid?.() !== 0) return 'needs root to make a network namespace';
  const id = `${process.pid % 100_000}`;
  const ns = `ffphone${id}`;
  const [outside, inside] = [`ffpa${id}`, `ffpb${id}`];
  const [peerAddress, phoneAddress] = ['10.213.77.1', '10.213.77.2'];
  const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });
  try {
    ip('netns', 'add', ns);
    ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside);
    ip('link', 'set', inside, 'netns', ns);
    ip('addr', 'add', `${peerAddress}/30`, 'dev', outside);
    ip('link', 'set', outside, 'up');
    ip('netns', 'exec', ns, 'ip', 'addr', 'add', `${phoneAddress}/30`, 'dev', inside);
    ip('netns', 'exec', ns, 'ip', 'link', 'set', inside, 'up');
    ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
  } catch (error) {
    try {
      ip('netns', 'delete', ns);
    } catch {
      // nothing was made
    }
    return `cannot make a network namespace here: ${(error as Error).message.split('\n')[0]}`;
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'firefly-phone-'));
  const wrapper = path.join(dir, 'chromium-in-ns');
  writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${ns} ${chromiumPath} "$@"\n`);
  chmodSync(wrapper, 0o755);
  return {
    peerAddress,
    wrapper,
    remove() {
      for (const args of [
        ['link', 'delete', outside],
        ['netns', 'delete', ns],
      ])
        try {
          ip(...args);
        } catch {
          // already gone with the namespace
        }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const codeIn = (output: string): string | null =>
  [...output.matchAll(/pairing code (\d{6})/g)].at(-1)?.[1] ?? null;

test('a phone pairs with the code, controls the room, waits for the device on the passphrase, and is shut out when revoked', async ({
  browser: localBrowser,
}) => {
  const lan = makeLan();
  test.skip(typeof lan === 'string', typeof lan === 'string' ? lan : '');
  if (typeof lan === 'string') return;
  cleanups.push(() => lan.remove());
  const { target } = await startPeerWithMusic(['--ui-host', '0.0.0.0']);
  const phoneUrl = `http://${lan.peerAddress}:${new URL(target.ui).port}`;
  const phoneBrowser: Browser = await chromium.launch({ executablePath: lan.wrapper, args: baseArgs });
  cleanups.push(() => phoneBrowser.close());
  const phoneContext = await phoneBrowser.newContext({
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
  });
  const phone = await phoneContext.newPage();

  // Unpaired: the pairing screen, and nothing else answers.
  await phone.goto(phoneUrl);
  await expect(phone.getByTestId('pairing-screen')).toBeVisible();
  await expect(phone.getByTestId('pairing-message')).toContainText('six-digit code');
  expect(await phone.evaluate(async () => (await fetch('/api/status')).status)).toBe(401);
  expect(await phone.evaluate(async () => (await fetch('/api/tracks')).status)).toBe(401);
  await expect.poll(() => codeIn(target.output()), { message: 'the code in the peer log' }).not.toBeNull();
  const code = codeIn(target.output()) as string;

  // The device's own window shows the same code.
  const local = await localBrowser.newPage();
  await local.goto(`${target.ui}/`);
  await local.getByTestId('nav-settings').click();
  await expect(local.getByTestId('shown-pairing-code')).toContainText(code);

  // A wrong code is refused, the right one pairs.
  const wrong = code === '000000' ? '000001' : '000000';
  await phone.getByTestId('pairing-code').fill(wrong);
  await phone.getByTestId('pair').click();
  await expect(phone.getByTestId('pairing-message')).toHaveText('wrong code');
  await phone.getByTestId('pairing-code').fill(code);
  await phone.getByTestId('pair').click();
  await expect(phone.getByTestId('peer-name')).toHaveText('den');
  await expect(local.getByTestId('paired-devices')).toContainText('Browser on Linux');

  // The paired phone controls the room.
  await phone.getByTestId('track-row').filter({ hasText: 'FLAC Tone' }).dblclick();
  await expect.poll(async () => (await deviceState(target)).playback, { timeout: 30_000 }).toBe('playing');

  // It cannot read the passphrase, and its change to it waits for the device's user.
  const asked = await phone.evaluate(async () => {
    const token = localStorage.getItem('firefly-token') ?? '';
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const settings = await (await fetch('/api/settings', { headers })).text();
    const change = await fetch('/api/settings', {
      method: 'POST',
      headers,
      body: JSON.stringify({ roomPassphrase: 'the attacker room' }),
    });
    const local = await fetch('/api/pairing/devices', { headers });
    return { settings, status: change.status, localOnly: local.status };
  });
  expect(asked.settings).not.toContain('roomPassphrase"');
  expect(asked.status).toBe(202);
  expect(asked.localOnly).toBe(403);
  await expect(local.getByTestId('pending-changes')).toContainText('room passphrase');
  await local.getByTestId('pending-changes').getByRole('button', { name: 'Refuse' }).click();
  await expect(local.getByTestId('pending-changes')).toHaveCount(0);
  const status = (await (await apiFetch(target.ui, '/api/status')).json()) as { config: { room: string } };
  expect(status.config.room).toBe('default');

  // Revoked: its next visit is the pairing screen again.
  await local.getByTestId('paired-devices').getByRole('button', { name: 'Revoke' }).click();
  await expect(local.getByTestId('paired-devices')).toContainText('No paired devices');
  await phone.reload();
  await expect(phone.getByTestId('pairing-screen')).toBeVisible();
  await expect(phone.getByTestId('pairing-message')).toContainText('six-digit code');

  // Guessing is locked out: with the wrong code typed earlier, four more wrong ones make five from this
  // address, and then even the right code is refused.
  await expect.poll(() => codeIn(target.output())).not.toBe(code);
  const current = codeIn(target.output()) as string;
  const guesses = ['111111', '222222', '333333', '444444', '555555'].filter((c) => c !== current).slice(0, 4);
  const statuses = await phone.evaluate(
    async (codes: string[]) => {
      const out: number[] = [];
      for (const c of codes)
        out.push(
          (
            await fetch('/api/pair', {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ code: c, name: 'guesser' }),
            })
          ).status,
        );
      return out;
    },
    [...guesses.slice(0, 4), current],
  );
  expect(statuses).toEqual([...guesses.slice(0, 4).map(() => 403), 429]);
  await local.close();
});
