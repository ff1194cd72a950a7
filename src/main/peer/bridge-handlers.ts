/** Every handler of the bridge contract, over the services of one peer. */
import type { BridgeHandlers } from '../../shared/bridge/dispatch';
import { groupVolume, scaleToGroup } from '../../shared/devices/output';
import { InvalidSettingError, settingsView } from '../settings-guard';
import type { HandlerHost } from './handler-host';
import { playbackHandlers } from './playback-handlers';

/** Makes the bridge's handlers over a peer (playback ones in playback-handlers.ts). */
export function bridgeHandlers(peer: HandlerHost): BridgeHandlers {
  const { time } = peer;
  return {
    ...playbackHandlers(peer),
    'peer:identity': () => {
      const { peerId, name } = peer.identity();
      return { peerId, name };
    },
    'peer:status': () => peer.status(),
    'clock:probe': () => {
      const t2 = time.nowMs();
      const clock = peer.running()?.clock ?? null;
      const t3 = time.nowMs();
      const status = clock ? clock.status(t3) : null;
      return {
        t2,
        t3,
        groupOffsetMs: status ? status.offsetMs : null,
        groupErrorMs: status && Number.isFinite(status.errorMs) ? status.errorMs : null,
        groupDriftPpm: status ? status.driftPpm : null,
        hostClock: { offsetMs: time.offsetMs, skewPpm: time.skewPpm, originMs: time.originMs },
      };
    },
    'library:list': () => peer.tracks(),
    'devices:list': () => peer.deviceList(),
    'devices:settings': async ({ peerId, ...patch }) => {
      const running = peer.require();
      if (!peer.deviceList().some((d) => d.peerId === peerId))
        throw new InvalidSettingError(`no device ${peerId} in the room`);
      await running.devices.set(peerId, patch);
      return peer.deviceList();
    },
    'calibration:start': (request) => peer.require().calibration.request(request),
    'calibration:latest': () => ({ report: peer.require().calibration.latest() }),
    'calibration:accept': ({ calibrationId }) => peer.require().calibration.accept(calibrationId),
    'calibration:play': (plan) => peer.require().calibration.play(plan),
    'calibration:report': (report) => peer.require().calibration.report(report),
    'volume:group': async ({ group }) => {
      const running = peer.require();
      const list = peer.deviceList();
      const volumes = scaleToGroup(
        list.map((d) => d.volume),
        group,
      );
      await Promise.all(
        list.map((d, i) => {
          const volume = volumes[i] as number;
          return volume === d.volume ? undefined : running.devices.set(d.peerId, { volume });
        }),
      );
      const devices = peer.deviceList();
      return { group: groupVolume(devices.map((d) => d.volume)), devices };
    },
    'settings:get': () => settingsView(peer.settings.get()),
    'settings:set': async (patch, caller) => {
      if (caller.kind === 'remote') return peer.settingsService.remote(patch, caller);
      return settingsView(await peer.settingsService.apply(patch));
    },
    'settings:pending': () => peer.settingsService.confirmations.list(),
    'settings:confirm': async ({ id, accept }) => {
      const patch = peer.settingsService.confirmations.take(id);
      if (accept) await peer.settingsService.apply(patch);
    },
    'pairing:start': () => peer.pairing.open(null) ?? peer.pairing.state(),
    'pairing:state': () => peer.pairing.state(),
    'pairing:list': () => peer.tokens().list(),
    'pairing:revoke': async ({ id }) => {
      if (!(await peer.tokens().revoke(id))) throw new InvalidSettingError('no paired device with that id');
      peer.events.emit('pairing:changed', peer.pairing.state());
    },
  };
}
