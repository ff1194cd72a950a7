import { useEffect, useState } from 'react';
import type { CaptureCodec } from '../../shared/bridge/payloads';
import { bridge } from '../bridge';
import { microphoneAvailable } from '../calibration/recorder';
import { captureDevices } from '../capture/capture-session';
import { startWindowCapture, stopWindowCapture, useWindowCapture } from '../capture/window-capture';
import { useSettings } from '../store';

const SYSTEM = 'system';

/**
 * Shares a sound of this device with the room (#22): an input (microphone, line-in) or, in the
 * desktop app, the system's sound. It becomes a live source anyone in the room can play.
 */
export function CaptureControl() {
  const capture = useWindowCapture();
  const settings = useSettings();
  const [devices, setDevices] = useState<{ deviceId: string; label: string }[]>([]);
  const [input, setInput] = useState('');
  const [name, setName] = useState('Line in');
  const [codec, setCodec] = useState<CaptureCodec>('opus');
  // Electron captures the system's sound (a loopback) on Windows only; see system-audio.ts.
  const systemAudio = bridge().transport === 'ipc' && /Windows/.test(navigator.userAgent);
  const running = capture.session !== null;
  useEffect(() => {
    void captureDevices()
      .then(setDevices)
      .catch(() => setDevices([]));
  }, [running]);
  if (!microphoneAvailable()) return null;
  const start = () =>
    void startWindowCapture({
      input: input === SYSTEM ? { kind: 'system' } : { kind: 'device', deviceId: input || null },
      name: name.trim() || 'Line in',
      codec,
      delayMs: settings?.liveDelayMs ?? 300,
    });
  return (
    <div className="capture-control" data-testid="capture-panel">
      <h3 className="section-subtitle">Share a sound from this device</h3>
      <div className="capture-row">
        <label>
          Input{' '}
          <select
            value={input}
            disabled={running}
            onChange={(e) => setInput(e.target.value)}
            data-testid="capture-device"
          >
            <option value="">Default input</option>
            {devices.map((d) => (
              <option key={d.deviceId} value={d.deviceId}>
                {d.label}
              </option>
            ))}
            {systemAudio ? <option value={SYSTEM}>This computer’s sound</option> : null}
          </select>
        </label>
        <label>
          Name{' '}
          <input
            value={name}
            maxLength={64}
            disabled={running}
            onChange={(e) => setName(e.target.value)}
            data-testid="capture-name"
          />
        </label>
        <label>
          Quality{' '}
          <select
            value={codec}
            disabled={running}
            onChange={(e) => setCodec(e.target.value as CaptureCodec)}
            data-testid="capture-codec"
          >
            <option value="opus">Opus (128 kb/s)</option>
            <option value="flac">Lossless (FLAC, about 0.8 Mb/s)</option>
            <option value="pcm">Lossless (PCM, 1.5 Mb/s)</option>
          </select>
        </label>
        {running ? (
          <button type="button" onClick={() => void stopWindowCapture()} data-testid="capture-stop">
            Stop sharing
          </button>
        ) : (
          <button type="button" disabled={capture.starting} onClick={start} data-testid="capture-start">
            {capture.starting ? 'Starting…' : 'Share'}
          </button>
        )}
      </div>
      <p className="muted" role="status" data-testid="capture-status">
        {running ? `Sharing “${name}” with the room` : capture.error ? `Not sharing: ${capture.error}` : ''}
      </p>
    </div>
  );
}
