import { describe, expect, it } from 'vitest';
import { LEADER_PRIORITY, parseArgs, usage, UsageError } from './args';

const env = { XDG_DATA_HOME: '/tmp/xdg' } as NodeJS.ProcessEnv;

describe('parseArgs', () => {
  it('applies defaults', () => {
    const o = parseArgs([], env);
    expect(o.uiPort).toBe(8081);
    expect(o.uiHost).toBe('127.0.0.1');
    expect(o.mdns).toBe(true);
    expect(o.dataDir).toBe('/tmp/xdg/firefly-peer');
  });

  it('parses every flag, in both --flag value and --flag=value forms', () => {
    const o = parseArgs(
      [
        '--name',
        'Kitchen',
        '--library',
        '/music/a',
        '--library=/music/b',
        '--data',
        '/tmp/d',
        '--port',
        '0',
        '--bootstrap',
        '127.0.0.1:4001',
        '--bootstrap',
        '/ip4/10.0.0.2/tcp/4001',
        '--room',
        'secret',
        '--priority=7',
        '--no-mdns',
        '--ui-port',
        '0',
        '--ui-host',
        '0.0.0.0',
        '--repl',
        '--clock-offset-ms',
        '-500',
        '--clock-skew-ppm',
        '200.5',
      ],
      env,
    );
    expect(o).toMatchObject({
      name: 'Kitchen',
      libraries: ['/music/a', '/music/b'],
      dataDir: '/tmp/d',
      port: 0,
      bootstrap: ['127.0.0.1:4001', '/ip4/10.0.0.2/tcp/4001'],
      room: 'secret',
      priority: 7,
      mdns: false,
      uiPort: 0,
      uiHost: '0.0.0.0',
      repl: true,
      clockOffsetMs: -500,
      clockSkewPpm: 200.5,
    });
  });

  it('--leader raises priority', () => {
    expect(parseArgs(['--leader'], env).priority).toBe(LEADER_PRIORITY);
    expect(parseArgs(['--priority', '500', '--leader'], env).priority).toBe(500);
    // The order of the flags does not matter.
    expect(parseArgs(['--leader', '--priority', '5'], env).priority).toBe(LEADER_PRIORITY);
    expect(parseArgs(['--priority', '5', '--leader'], env).priority).toBe(LEADER_PRIORITY);
    expect(parseArgs(['--leader', '--priority=500'], env).priority).toBe(500);
  });

  it.each([
    [['--bogus'], /unknown flag --bogus/],
    [['--port', 'abc'], /--port expects an integer, got "abc"/],
    [['--port', '70000'], /--port must be between 0 and 65535/],
    [['--ui-port'], /--ui-port needs a value/],
    [['--priority', '1.5'], /--priority expects an integer/],
    [['--clock-skew-ppm', 'x'], /--clock-skew-ppm expects a number/],
    [['--repl=yes'], /--repl takes no value/],
    [['stray'], /unexpected argument "stray"/],
    [['--name', ''], /--name needs a non-empty value/],
    [['--port', '1', '--port', '2'], /--port given twice/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseArgs(argv, env)).toThrow(UsageError);
    expect(() => parseArgs(argv, env)).toThrow(message);
  });

  it('documents every flag in the help text', () => {
    for (const flag of [
      '--name',
      '--library',
      '--data',
      '--port',
      '--bootstrap',
      '--room',
      '--priority',
      '--no-mdns',
      '--ui-port',
      '--ui-host',
      '--repl',
      '--clock-offset-ms',
      '--clock-skew-ppm',
    ]) {
      expect(usage()).toContain(flag);
    }
  });
});
