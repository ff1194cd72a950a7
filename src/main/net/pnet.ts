/**
 * The room's private-network layer: the `@libp2p/pnet` protocol with libsodium's XSalsa20.
 *
 * The protocol is pnet's own, byte for byte: each side sends 24 random bytes as its nonce, then
 * every byte either side sends is XORed with the XSalsa20 key stream of the room key and the
 * sender's nonce. Peers running stock `@libp2p/pnet` and peers running this talk to each other
 * (tested both ways). What differs is the cipher: pnet uses the `xsalsa20` package, a WebAssembly
 * build that XORs about 370 MB/s on this kind of machine; libsodium (`sodium-native`, an N-API
 * prebuild, so Electron needs no rebuild) does about 1.2 GB/s. The cipher runs over every byte a
 * peer sends and receives, beneath Noise, so on a chunk transfer it was the largest single cost.
 *
 * Where libsodium cannot be loaded (a platform without a prebuild), `roomProtector` falls back to
 * stock `@libp2p/pnet` and says so through `pnetCipher()`.
 */
import { InvalidParametersError } from '@libp2p/interface';
import type {
  AbortOptions,
  ConnectionProtector,
  MessageStream,
  MultiaddrConnection,
} from '@libp2p/interface';
import { preSharedKey } from '@libp2p/pnet';
import { AbstractMultiaddrConnection, byteStream } from '@libp2p/utils';
import type { SendResult } from '@libp2p/utils';
import type { Uint8ArrayList } from 'uint8arraylist';
import { loadSodium, type Sodium } from './sodium';
import { guardXSalsa20 } from './xsalsa20-guard';

const NONCE_LENGTH = 24;
/** How long the nonce exchange may take when the caller gives no signal (pnet's default). */
const HANDSHAKE_TIMEOUT_MS = 1_000;

/** Which XSalsa20 the room's connections use: `libsodium`, or pnet's `wasm`/`js` fallback. */
export function pnetCipher(): 'libsodium' | 'wasm' | 'js' {
  if (loadSodium()) return 'libsodium';
  return guardXSalsa20() ? 'wasm' : 'js';
}

/** The 32 key bytes of a v1 swarm key file (`/key/swarm/psk/1.0.0/`, `/base16/`, 64 hex digits). */
export function decodeSwarmKeyV1(file: Uint8Array): Uint8Array {
  const [tag, codec, hex] = new TextDecoder().decode(file).split(/\r\n|\r|\n/);
  if (tag !== '/key/swarm/psk/1.0.0/' || codec !== '/base16/' || !/^[0-9a-fA-F]{64}$/.test(hex ?? '')) {
    throw new InvalidParametersError('The room key is not a v1 swarm key (pnet)');
  }
  return Uint8Array.from(Buffer.from(hex!, 'hex'));
}

/** One direction's XSalsa20 key stream, continued across calls. */
class KeyStream {
  private readonly state: Uint8Array;
  private done = false;

  constructor(
    private readonly s: Sodium,
    nonce: Uint8Array,
    key: Uint8Array,
  ) {
    this.state = new Uint8Array(s.crypto_stream_xor_STATEBYTES);
    s.crypto_stream_xor_init(this.state, nonce, key);
  }

  /** XORs parts into one new buffer, in order. */
  xor(parts: Iterable<Uint8Array>, byteLength: number): Uint8Array {
    const out = Buffer.allocUnsafe(byteLength);
    let offset = 0;
    for (const part of parts) {
      if (part.byteLength === 0) continue;
      this.s.crypto_stream_xor_update(this.state, out.subarray(offset, offset + part.byteLength), part);
      offset += part.byteLength;
    }
    return out;
  }

  /** XORs bytes where they are (bytes this connection owns: just read from the socket). */
  xorInPlace(bytes: Uint8Array): Uint8Array {
    if (bytes.byteLength > 0) this.s.crypto_stream_xor_update(this.state, bytes, bytes);
    return bytes;
  }

  final(): void {
    if (this.done) return;
    this.done = true;
    this.s.crypto_stream_xor_final(this.state);
  }
}

/** The protected connection: pnet's BoxMessageStream with libsodium's cipher. */
class XSalsa20Connection extends AbstractMultiaddrConnection {
  private readonly inbound: KeyStream;
  private readonly outbound: KeyStream;

  constructor(
    s: Sodium,
    private readonly maConn: MultiaddrConnection,
    init: { localNonce: Uint8Array; remoteNonce: Uint8Array; key: Uint8Array },
  ) {
    super({
      log: maConn.log.newScope('pnet'),
      remoteAddr: maConn.remoteAddr,
      direction: maConn.direction,
    });
    this.inbound = new KeyStream(s, init.remoteNonce, init.key);
    this.outbound = new KeyStream(s, init.localNonce, init.key);
    maConn.addEventListener('message', (event) => {
      const data = event.data;
      // The transport hands over each read's own buffer, so it is decrypted in place.
      if (data instanceof Uint8Array) this.onData(this.inbound.xorInPlace(data));
      else for (const buf of data) this.onData(this.inbound.xorInPlace(buf));
    });
    maConn.addEventListener('drain', () => this.onMuxerDrain());
    maConn.addEventListener('close', (event) => {
      this.inbound.final();
      this.outbound.final();
      if (event.error != null) {
        if (event.local) this.abort(event.error);
        else this.onRemoteReset();
      } else {
        this.onTransportClosed();
      }
    });
  }

  async sendClose(options?: AbortOptions): Promise<void> {
    await this.maConn.close(options);
  }

  sendData(data: Uint8ArrayList): SendResult {
    return {
      sentBytes: data.byteLength,
      canSendMore: this.maConn.send(this.outbound.xor(data, data.byteLength)),
    };
  }

  sendReset(error: Error): void {
    this.maConn.abort(error);
  }

  sendPause(): void {
    this.maConn.pause();
  }

  sendResume(): void {
    this.maConn.resume();
  }
}

class SodiumPreSharedKey implements ConnectionProtector {
  readonly [Symbol.toStringTag] = '@libp2p/pnet';

  constructor(
    private readonly s: Sodium,
    private readonly key: Uint8Array,
  ) {}

  async protect(connection: MessageStream, options?: AbortOptions): Promise<MessageStream> {
    const localNonce = crypto.getRandomValues(new Uint8Array(NONCE_LENGTH));
    const signal = options?.signal ?? AbortSignal.timeout(HANDSHAKE_TIMEOUT_MS);
    const bytes = byteStream(connection);
    const [remote] = await Promise.all([
      bytes.read({ bytes: NONCE_LENGTH, signal }),
      bytes.write(localNonce, { signal }),
    ]);
    return new XSalsa20Connection(this.s, bytes.unwrap() as MultiaddrConnection, {
      localNonce,
      remoteNonce: remote.subarray(),
      key: this.key,
    });
  }
}

/**
 * The connection protector for a room key (a v1 swarm key file): pnet's protocol with libsodium's
 * XSalsa20, or stock `@libp2p/pnet` where libsodium is unavailable. Throws on a malformed key.
 */
export function roomProtector(init: {
  psk: Uint8Array;
  /** libsodium to use; null forces the fallback (tests). Loaded on first use by default. */
  sodium?: Sodium | null;
}): () => ConnectionProtector {
  const key = decodeSwarmKeyV1(init.psk);
  const s = init.sodium === undefined ? loadSodium() : init.sodium;
  if (!s) {
    guardXSalsa20();
    return preSharedKey({ psk: init.psk });
  }
  return () => new SodiumPreSharedKey(s, key);
}
