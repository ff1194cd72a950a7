/**
 * An mDNS world for tests of an AirPlay receiver (shairport-sync advertises through avahi and stops
 * without it): a network namespace of this test's own with a veth pair (multicast on, link-local
 * address), a private D-Bus system bus and avahi-daemon on it. Nothing leaves the namespace. Needs
 * root, `ip`, dbus-daemon and avahi-daemon; `missing()` says which is not there.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ADDRESS = '169.254.77.1';

/** Why this machine cannot host the namespace, or null when it can. */
export function missing(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces)';
  for (const tool of ['/usr/sbin/avahi-daemon', '/usr/bin/dbus-daemon'])
    if (!existsSync(tool)) return `${tool} is not installed`;
  if (spawnSync('ip', ['-V']).status !== 0) return 'ip (iproute2) is not installed';
  return null;
}

/** A running namespace: its name, the bus address and the veth's address. */
export interface AvahiNetns {
  name: string;
  busAddress: string;
  address: string;
  dir: string;
  /** Runs `command` inside the namespace, with the bus in its environment: the argv to spawn. */
  exec(command: string[]): string[];
  stop(): void;
}

const BUS_CONF = (
  socket: string,
) => `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=${socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/><allow own="*"/><allow send_destination="*" eavesdrop="true"/><allow receive_sender="*"/>
  </policy>
</busconfig>
`;

const AVAHI_CONF = `[server]
use-ipv4=yes
use-ipv6=no
allow-interfaces=ffsps0
enable-dbus=yes
[wide-area]
enable-wide-area=no
[publish]
publish-hinfo=no
publish-workstation=no
`;

/** Starts the namespace, its bus and avahi (in about 2 s). */
export function startAvahiNetns(): AvahiNetns {
  const name = `ff-avahi-${process.pid}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'firefly-avahi-'));
  const socket = path.join(dir, 'bus');
  writeFileSync(path.join(dir, 'bus.conf'), BUS_CONF(socket));
  writeFileSync(path.join(dir, 'avahi.conf'), AVAHI_CONF);
  const busAddress = `unix:path=${socket}`;
  execFileSync('ip', ['netns', 'add', name]);
  const netns: AvahiNetns = {
    name,
    busAddress,
    address: ADDRESS,
    dir,
    exec: (command) => [
      'ip',
      'netns',
      'exec',
      name,
      'env',
      `DBUS_SYSTEM_BUS_ADDRESS=${busAddress}`,
      ...command,
    ],
    stop: () => {
      // Only the processes started in this namespace, by id.
      const pids = spawnSync('ip', ['netns', 'pids', name], { encoding: 'utf8' }).stdout.split('\n');
      for (const pid of pids.filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGTERM');
        } catch {
          // Already gone.
        }
      }
      spawnSync('ip', ['netns', 'del', name]);
    },
  };
  // /run is private to this command's mount namespace: avahi's pid file and socket stay there.
  const setup = [
    'set -e',
    'mount -t tmpfs tmpfs /run && mkdir -p /run/avahi-daemon',
    'ip link set lo up',
    'ip link add ffsps0 type veth peer name ffsps1',
    'ip link set ffsps0 multicast on && ip link set ffsps1 up',
    `ip addr add ${ADDRESS}/16 dev ffsps0 && ip link set ffsps0 up`,
    `dbus-daemon --config-file=${dir}/bus.conf --fork`,
    `DBUS_SYSTEM_BUS_ADDRESS=${busAddress} avahi-daemon --no-drop-root --no-chroot --no-rlimits -f ${dir}/avahi.conf -D`,
  ].join('\n');
  const r = spawnSync('ip', ['netns', 'exec', name, 'bash', '-c', setup], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  if (r.status !== 0) {
    netns.stop();
    throw new Error(`could not start avahi in a network namespace: ${r.stderr || r.error?.message}`);
  }
  return netns;
}

/**
 * Asks, inside the namespace, for AirPlay receivers (`_raop._tcp.local`, mDNS) and for an RTSP
 * answer on `port`: whether one named `name` answered, and the RTSP status line.
 */
export function probeAirplay(
  netns: AvahiNetns,
  name: string,
  port: number,
): { registered: boolean; rtsp: string | null } {
  const script = `
const dgram = require('node:dgram');
const net = require('node:net');
const labels = '_raop._tcp.local'.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
const query = Buffer.concat([Buffer.from([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]), ...labels, Buffer.from([0, 0, 12, 0, 1])]);
const result = { registered: false, rtsp: null };
const s = dgram.createSocket({ type: 'udp4' });
s.on('message', (m) => { if (m.includes(Buffer.from(${JSON.stringify(name)}))) result.registered = true; });
s.bind(0, () => {
  s.setMulticastInterface('${ADDRESS}');
  for (const at of [0, 500, 1200]) setTimeout(() => s.send(query, 5353, '224.0.0.251'), at);
});
const c = net.connect(${port}, '127.0.0.1', () => c.write('OPTIONS * RTSP/1.0\\r\\nCSeq: 1\\r\\n\\r\\n'));
c.on('data', (d) => { result.rtsp = d.toString().split('\\r\\n')[0]; c.end(); });
c.on('error', (e) => { result.rtsp = 'error: ' + e.message; });
setTimeout(() => { console.log(JSON.stringify(result)); process.exit(0); }, 2500);
`;
  const [program, ...args] = netns.exec([process.execPath, '-e', script]);
  const r = spawnSync(program!, args, { encoding: 'utf8', timeout: 10_000 });
  try {
    return JSON.parse(r.stdout.trim()) as { registered: boolean; rtsp: string | null };
  } catch {
    return { registered: false, rtsp: `probe failed: ${r.stderr}` };
  }
}
