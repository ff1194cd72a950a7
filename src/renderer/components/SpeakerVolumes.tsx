import { groupVolume } from '../../shared/devices/output';
import { useActions, useDevices } from '../store';
import { Icon } from './Icons';
import { RangeSlider } from './RangeSlider';

const percent = (v: number) => `${Math.round(v * 100)}%`;

/**
 * Every speaker's volume and mute, changed from this window on the device itself, and one group
 * volume that moves them all by the same factor (the loudest to the slider's level).
 */
export function SpeakerVolumes() {
  const { list, error } = useDevices();
  const { devices } = useActions();
  if (list.length === 0) return null;
  const group = groupVolume(list.map((d) => d.volume));
  return (
    <section className="speaker-volumes" aria-labelledby="volumes-title" data-testid="speaker-volumes">
      <h2 id="volumes-title" className="section-title">
        Volume
      </h2>
      <div className="volume-rows">
        <div className="volume-row group-row">
          <span className="volume-name">All speakers</span>
          <span aria-hidden="true" />
          <RangeSlider
            label="Volume of all speakers"
            className="volume"
            min={0}
            max={1}
            step={0.01}
            value={group}
            valueText={percent}
            onCommit={(v) => void devices.setGroupVolume(v)}
            testId="group-volume"
          />
          <span className="value">{percent(group)}</span>
        </div>
        {list.map((d) => (
          <div className="volume-row" key={d.peerId} data-testid="device-volume" data-peer-id={d.peerId}>
            <span className="volume-name">
              {d.name}
              {d.self ? <span className="tag">this device</span> : null}
            </span>
            <button
              type="button"
              className={`icon-button toggle${d.muted ? ' on' : ''}`}
              aria-label={`Mute ${d.name}`}
              aria-pressed={d.muted}
              onClick={() => void devices.update(d.peerId, { muted: !d.muted })}
            >
              <Icon name={d.muted ? 'mute' : 'volume'} size={18} />
            </button>
            <RangeSlider
              label={`Volume of ${d.name}`}
              className="volume"
              min={0}
              max={1}
              step={0.01}
              value={d.volume}
              valueText={(v) => `${percent(v)}${d.muted ? ', muted' : ''}`}
              onCommit={(v) => void devices.update(d.peerId, { volume: v })}
            />
            <span className="value">{d.muted ? 'muted' : percent(d.volume)}</span>
          </div>
        ))}
      </div>
      {error ? (
        <p className="inline-error" role="alert" data-testid="volume-error">
          {error}
        </p>
      ) : null}
    </section>
  );
}
