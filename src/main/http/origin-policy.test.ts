import { describe, expect, it } from 'vitest';
import {
  bindsBeyondLoopback,
  checkOrigin,
  isLoopbackAddress,
  parseHostHeader,
  servedHostNames,
} from './origin-policy';

const loopbackOnly = { names: servedHostNames('127.0.0.1', {}, 'box'), port: 8081 };
const wildcard = {
  names: servedHostNames(
    '0.0.0.0',
    {
      eth0: [
        { address: '192.168.1.20', family: 'IPv4' } as never,
        { address: 'fe80::1', family: 'IPv6' } as never,
      ],
      lo: [{ address: '127.0.0.1', family: 'IPv4' } as never],
    },
    'Box',
  ),
  port: 8081,
};

describe('origin policy', () => {
  it('accepts the peer’s own loopback names, with or without a same-origin Origin', () => {
    for (const host of ['127.0.0.1:8081', 'localhost:8081', '[::1]:8081', 'LOCALHOST:8081'])
      expect(checkOrigin({ host }, loopbackOnly)).toEqual({ ok: true });
    expect(
      checkOrigin(
        { host: '127.0.0.1:8081', origin: 'http://127.0.0.1:8081', secFetchSite: 'same-origin' },
        loopbackOnly,
      ),
    ).toEqual({ ok: true });
    expect(checkOrigin({ host: 'localhost:8081', secFetchSite: 'none' }, loopbackOnly)).toEqual({ ok: true });
  });

  it('refuses a rebound name, a missing Host, and another port', () => {
    for (const host of [
      'evil.example:8081',
      'evil.example',
      '127.0.0.1:3000',
      '',
      undefined,
      '127.0.0.1:8081@x',
    ])
      expect(checkOrigin({ host }, loopbackOnly).ok).toBe(false);
  });

  it('refuses pages of other origins, including other local ports and opaque origins', () => {
    for (const origin of [
      'http://127.0.0.1:3000',
      'http://localhost:5173',
      'http://evil.example:8081',
      'null',
      'file://',
      'chrome-extension://abc',
      'not a url',
    ])
      expect(checkOrigin({ host: '127.0.0.1:8081', origin }, loopbackOnly).ok).toBe(false);
  });

  it('refuses no-cors requests a browser marks as coming from another site or origin', () => {
    for (const secFetchSite of ['same-site', 'cross-site'])
      expect(checkOrigin({ host: '127.0.0.1:8081', secFetchSite }, loopbackOnly).ok).toBe(false);
  });

  it('on a wildcard bind, answers to the machine’s addresses and host name, not link-local ones', () => {
    expect(checkOrigin({ host: '192.168.1.20:8081', origin: 'http://192.168.1.20:8081' }, wildcard).ok).toBe(
      true,
    );
    expect(checkOrigin({ host: 'box.local:8081' }, wildcard).ok).toBe(true);
    expect(checkOrigin({ host: 'box:8081' }, wildcard).ok).toBe(true);
    expect(checkOrigin({ host: '[fe80::1]:8081' }, wildcard).ok).toBe(false);
    expect(checkOrigin({ host: '192.168.1.21:8081' }, wildcard).ok).toBe(false);
    // A LAN name is not accepted on a loopback-only bind.
    expect(checkOrigin({ host: '192.168.1.20:8081' }, loopbackOnly).ok).toBe(false);
  });

  it('parses Host headers strictly', () => {
    expect(parseHostHeader('Example.COM:80')).toEqual({ name: 'example.com', port: 80 });
    expect(parseHostHeader('[::1]:9')).toEqual({ name: '[::1]', port: 9 });
    expect(parseHostHeader('a:99999')).toBeNull();
    expect(parseHostHeader('a b')).toBeNull();
  });

  it('knows loopback addresses as sockets report them', () => {
    expect(isLoopbackAddress('127.0.0.1')).toBe(true);
    expect(isLoopbackAddress('::ffff:127.0.0.1')).toBe(true);
    expect(isLoopbackAddress('::1')).toBe(true);
    expect(isLoopbackAddress('10.0.0.2')).toBe(false);
    expect(isLoopbackAddress(undefined)).toBe(false);
    expect(bindsBeyondLoopback('0.0.0.0')).toBe(true);
    expect(bindsBeyondLoopback('127.0.0.1')).toBe(false);
  });
});
