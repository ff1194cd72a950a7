import { describe, expect, it } from 'vitest';
import type { PairingState } from '../../shared/bridge/payloads';
import { Pairing } from './pairing';

function pairingAt(start = 1_000_000) {
  let now = start;
  const changes: PairingState[] = [];
  const pairing = new Pairing((s) => changes.push(s), { now: () => now, requestIntervalMs: 3000 });
  return { pairing, changes, advance: (ms: number) => (now += ms) };
}

const wrongCode = (code: string) => (code === '000000' ? '000001' : '000000');

describe('pairing codes', () => {
  it('opens a six-digit code that a right guess uses up', () => {
    const { pairing, changes } = pairingAt();
    const state = pairing.open('Phone (10.0.0.2)', '10.0.0.2');
    expect(state?.code).toMatch(/^\d{6}$/);
    expect(changes.at(-1)?.requestedBy).toBe('Phone (10.0.0.2)');
    expect(pairing.attempt(state?.code ?? '', '10.0.0.2')).toEqual({ ok: true });
    expect(pairing.state().code).toBeNull();
    expect(pairing.attempt(state?.code ?? '', '10.0.0.2')).toEqual({ ok: false, reason: 'no-code' });
  });

  it('withdraws a code after five wrong guesses, whoever makes them', () => {
    const { pairing } = pairingAt();
    const code = pairing.open(null)?.code ?? '';
    for (let i = 0; i < 5; i++)
      expect(pairing.attempt(wrongCode(code), `10.0.0.${i}`)).toEqual({ ok: false, reason: 'wrong' });
    expect(pairing.attempt(code, '10.0.0.9')).toEqual({ ok: false, reason: 'no-code' });
  });

  it('locks out an address after five wrong guesses for fifteen minutes', () => {
    const { pairing, advance } = pairingAt();
    for (let round = 0; round < 5; round++) {
      const code = pairing.open(null)?.code ?? '';
      expect(pairing.attempt(wrongCode(code), '10.0.0.2').ok).toBe(false);
    }
    const code = pairing.open(null)?.code ?? '';
    const locked = pairing.attempt(code, '10.0.0.2');
    expect(locked).toMatchObject({ ok: false, reason: 'locked' });
    // Another address is not locked out by it.
    expect(pairing.attempt(code, '10.0.0.3')).toEqual({ ok: true });
    advance(15 * 60_000);
    const fresh = pairing.open(null)?.code ?? '';
    expect(pairing.attempt(fresh, '10.0.0.2')).toEqual({ ok: true });
  });

  it('expires a code after five minutes', () => {
    const { pairing, advance } = pairingAt();
    const code = pairing.open(null)?.code ?? '';
    advance(5 * 60_000 + 1);
    expect(pairing.state().code).toBeNull();
    expect(pairing.attempt(code, '10.0.0.2').ok).toBe(false);
  });

  it('rate-limits code requests per address and keeps one code per asker', () => {
    const { pairing, advance } = pairingAt();
    const first = pairing.open('Phone', '10.0.0.2');
    expect(pairing.open('Phone', '10.0.0.2')).toBeNull();
    advance(3000);
    expect(pairing.open('Phone', '10.0.0.2')?.code).toBe(first?.code);
  });

  it('takes codes of the wrong shape as wrong, never as a match', () => {
    const { pairing } = pairingAt();
    const code = pairing.open(null)?.code ?? '';
    expect(pairing.attempt(`${code}0`, '10.0.0.2')).toEqual({ ok: false, reason: 'wrong' });
    expect(pairing.attempt(code.slice(0, 5), '10.0.0.2')).toEqual({ ok: false, reason: 'wrong' });
  });
});
