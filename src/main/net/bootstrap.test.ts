import { describe, expect, it } from 'vitest';
import { parseBootstrapAddress } from './bootstrap';
import { explainDialError } from './event-log';

const PEER = '12D3KooWHrUi8L3ALS7hJqPi1cTNNYxKk5hFwB5JJx4gqgGfbkbn';

describe('parseBootstrapAddress', () => {
  it.each([
    ['127.0.0.1:4001', '/ip4/127.0.0.1/tcp/4001', null],
    ['localhost:4001', '/ip4/127.0.0.1/tcp/4001', null],
    ['[::1]:4001', '/ip6/::1/tcp/4001', null],
    ['speaker.local:4001', '/dns4/speaker.local/tcp/4001', null],
    ['/ip4/10.0.0.2/tcp/4001', '/ip4/10.0.0.2/tcp/4001', null],
    [`/ip4/10.0.0.2/tcp/4001/p2p/${PEER}`, `/ip4/10.0.0.2/tcp/4001/p2p/${PEER}`, PEER],
  ])('reads %s', (input, addr, peerId) => {
    const parsed = parseBootstrapAddress(input);
    expect(parsed.ok && parsed.value.addr.toString()).toBe(addr);
    expect(parsed.ok && parsed.value.peerId).toBe(peerId);
  });

  it.each([
    '',
    '127.0.0.1',
    '127.0.0.1:0',
    '127.0.0.1:70000',
    'host:port',
    '/ip4/nonsense',
    '/ip4/10.0.0.2/tcp/1/p2p/notapeer',
  ])('rejects %j', (input) => {
    expect(parseBootstrapAddress(input).ok).toBe(false);
  });
});

describe('explainDialError', () => {
  it('names refused connections', () => {
    const error = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(explainDialError(error).reason).toBe('refused');
  });

  it('points at the passphrase when a dial times out or the handshake breaks', () => {
    const timeout = Object.assign(new Error('The operation was aborted due to timeout'), {
      name: 'TimeoutError',
    });
    const handshake = Object.assign(new Error('read ECONNRESET'), { name: 'EncryptionFailedError' });
    for (const error of [timeout, handshake]) {
      expect(explainDialError(error).message).toContain('no answer or different room passphrase (pnet)');
    }
  });

  it('recognises dialling oneself', () => {
    expect(
      explainDialError(Object.assign(new Error('Can not dial self'), { name: 'InvalidPeerIdError' })).reason,
    ).toBe('self');
  });
});
