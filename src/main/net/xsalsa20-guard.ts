/**
 * A guard for the XSalsa20 stream cipher behind `@libp2p/pnet` (the `xsalsa20` package).
 *
 * All its cipher instances in a thread share one WebAssembly memory, and each keeps its own view
 * of that memory. When one instance grows the memory (an input larger than the free space), every
 * other instance's view is left detached (length 0); its next `update` then "grows" the memory
 * again, which detaches the views of all the others, and so on, one page per update, until the
 * memory's 64 MiB limit throws inside a connection's data handler. With many connections in one
 * thread this ends the thread. The guard gives an instance a fresh view before each `update` when
 * its own one is detached, so the memory grows only when an input needs it.
 */
import { createRequire } from 'node:module';

interface WasmXor {
  _memory?: Uint8Array;
}

interface XSalsa20Instance {
  _xor: WasmXor | null;
  update(input: Uint8Array, output?: Uint8Array): Uint8Array;
  finalize(): void;
}

interface XSalsa20Constructor {
  new (nonce: Uint8Array, key: Uint8Array): XSalsa20Instance;
  prototype: XSalsa20Instance & { __fireflyGuarded?: true };
}

const requireCjs = createRequire(import.meta.url);

/** Installs the guard (once per thread); returns whether the cipher is the WebAssembly build. */
export function guardXSalsa20(): boolean {
  const XSalsa20 = requireCjs('xsalsa20') as XSalsa20Constructor;
  const proto = XSalsa20.prototype;
  if (proto.__fireflyGuarded) return true;
  const probe = new XSalsa20(new Uint8Array(24), new Uint8Array(32));
  const wasm = probe._xor?._memory instanceof Uint8Array;
  probe.finalize();
  if (!wasm) return false;
  const update = proto.update;
  proto.update = function (this: XSalsa20Instance, input: Uint8Array, output?: Uint8Array) {
    const xor = this._xor;
    if (xor?._memory && xor._memory.byteLength === 0) {
      const fresh = new XSalsa20(new Uint8Array(24), new Uint8Array(32));
      xor._memory = fresh._xor!._memory!;
      fresh.finalize();
    }
    return update.call(this, input, output);
  };
  proto.__fireflyGuarded = true;
  return true;
}
