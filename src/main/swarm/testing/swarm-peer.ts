/**
 * Test and benchmark helpers: a real swarm peer (libp2p node on 127.0.0.1, real library with
 * SQLite and chunk store, control channel on gossipsub) and noise WAV files of any size.
 */
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { validateSwarmMessage, type SwarmMessage } from '../../../shared/swarm/messages';
import { openLibrary, type LibraryServices } from '../../library';
import { ControlChannel, decoderFromResult } from '../../net/control-channel';
import { decodeJsonFrame, encodeJsonFrame } from '../../net/json-frame';
import type { PeerNode } from '../../net/node';
import type { Room } from '../../net/room';
import type { TestNet } from '../../net/testing/helpers';
import { CatalogSync, type CatalogSyncInit } from '../catalog-sync';
import type { ChunkFetcher } from '../chunk-fetcher';
import type { ChunkFetcherInit } from '../fetch-types';
import { ChunkServer, type ChunkServerInit } from '../chunk-server';
import type { CoverFetcher } from '../cover-fetcher';
import { swarmFetchers } from '../swarm-fetchers';
import { silentLogger } from '../../../shared/logger';

/** One peer of a swarm test. */
export interface SwarmPeer {
  node: PeerNode;
  lib: LibraryServices;
  control: ControlChannel<SwarmMessage>;
  catalog: CatalogSync;
  server: ChunkServer;
  fetcher: ChunkFetcher;
  covers: CoverFetcher;
  libraryDir: string;
  dataDir: string;
  stop(): Promise<void>;
}

/** Options of `startSwarmPeer`. */
export interface SwarmPeerOptions {
  net: TestNet;
  room: Room;
  /** The library folder (scanned once at start); a new empty one by default. */
  libraryDir?: string;
  /** Data folder to reuse (a restart); a new one by default. */
  dataDir?: string;
  bootstrap?: string[];
  catalog?: CatalogSyncInit;
  server?: ChunkServerInit;
  fetcher?: ChunkFetcherInit;
  cacheMaxBytes?: number;
  /** Start the catalog service (default true); a bench may skip it and put tracks directly. */
  withCatalog?: boolean;
}

const encoder = new TextEncoder();

/** Starts a swarm peer: scans its library folder once (no watching), then starts every service. */
export async function startSwarmPeer(options: SwarmPeerOptions): Promise<SwarmPeer> {
  const { net, room } = options;
  const dataDir = options.dataDir ?? (await net.tempDir());
  const libraryDir = options.libraryDir ?? (await net.tempDir());
  await mkdir(libraryDir, { recursive: true });
  const lib = await openLibrary({
    dataDir,
    folders: [libraryDir],
    watch: false,
    ...(options.cacheMaxBytes ? { cacheMaxBytes: options.cacheMaxBytes } : {}),
  });
  await lib.scanner.scan();
  const node = await net.node({
    room,
    dataDir,
    ...(options.bootstrap ? { bootstrap: options.bootstrap } : {}),
  });
  const control = new ControlChannel<SwarmMessage>(
    { pubsub: node.pubsub, logger: silentLogger },
    {
      topic: room.controlTopic,
      encode: encodeJsonFrame,
      decode: decoderFromResult((bytes) => {
        const message = decodeJsonFrame(bytes, validateSwarmMessage);
        if (message.ok) return message;
        return { ok: false, error: message.error.kind === 'not-json' ? 'not JSON' : message.error.detail };
      }),
    },
  );
  control.start();
  const catalog = new CatalogSync(
    {
      node,
      db: lib.db,
      scanner: lib.scanner,
      publish: async (body) => {
        await control.publish(body);
      },
      subscribe: (listener) => control.on('message:received', (m) => listener(m.from, m.value)),
    },
    options.catalog,
  );
  const server = new ChunkServer({ node, library: lib.library, db: lib.db }, options.server);
  const { fetcher, covers } = swarmFetchers(
    { node, library: lib, catalog, server },
    { fetcher: options.fetcher },
  );
  await server.start();
  fetcher.start();
  if (options.withCatalog !== false) await catalog.start();
  let stopped: Promise<void> | null = null;
  return {
    node,
    lib,
    control,
    catalog,
    server,
    fetcher,
    covers,
    libraryDir,
    dataDir,
    stop: () =>
      (stopped ??= (async () => {
        covers.stop();
        await fetcher.stop();
        await catalog.stop();
        await server.stop();
        control.stop();
        await net.stop(node);
        await lib.stop();
      })()),
  };
}

/**
 * Writes a valid 16-bit stereo 44.1 kHz WAV of about `sizeBytes` whose samples are deterministic
 * noise from `seed` (xorshift32), so every run produces the same file and the same chunks.
 */
export async function writeNoiseWav(path: string, sizeBytes: number, seed: number): Promise<void> {
  const dataBytes = Math.max(4, (sizeBytes - 44) & ~3);
  const header = new Uint8Array(44);
  const view = new DataView(header.buffer);
  header.set(encoder.encode('RIFF'), 0);
  view.setUint32(4, 36 + dataBytes, true);
  header.set(encoder.encode('WAVEfmt '), 8);
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, 2, true);
  view.setUint32(24, 44_100, true);
  view.setUint32(28, 44_100 * 4, true);
  view.setUint16(32, 4, true);
  view.setUint16(34, 16, true);
  header.set(encoder.encode('data'), 36);
  view.setUint32(40, dataBytes, true);
  const handle = await open(path, 'w');
  try {
    await handle.write(header);
    let x = seed | 0 || 1;
    const block = new Uint8Array(1024 * 1024);
    const words = new Uint32Array(block.buffer);
    for (let written = 0; written < dataBytes; written += block.length) {
      for (let i = 0; i < words.length; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        words[i] = x >>> 0;
      }
      await handle.write(block, 0, Math.min(block.length, dataBytes - written));
    }
  } finally {
    await handle.close();
  }
}

/** A library folder holding one noise WAV of `sizeBytes`; returns the folder. */
export async function noiseLibrary(
  net: TestNet,
  sizeBytes: number,
  seed: number,
  name = 'noise.wav',
): Promise<string> {
  const dir = await net.tempDir();
  await writeNoiseWav(join(dir, name), sizeBytes, seed);
  return dir;
}
