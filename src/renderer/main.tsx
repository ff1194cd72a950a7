import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { apiToken, authHeaders, forgetToken, servedWithToken } from './bridge/auth';
import { PairingScreen } from './pairing/PairingScreen';
import { startAudio } from './playback/engine-host';
import { startCalibrationListeners } from './calibration/listeners';
import { startSpeakerReports } from './playback/speaker-report';
import { connectStore } from './store';
import './styles.css';

/** Whether this browser must pair before it may do anything: it has no token, or the device revoked it. */
async function mustPair(): Promise<boolean> {
  if (window.firefly || servedWithToken()) return false;
  if (!apiToken()) return true;
  const response = await fetch('/api/status', { headers: authHeaders() }).catch(() => null);
  if (response?.status !== 401) return false;
  forgetToken();
  return true;
}

const root = createRoot(document.getElementById('root') as HTMLElement);
void mustPair().then((pair) => {
  if (pair) {
    root.render(
      <StrictMode>
        <PairingScreen />
      </StrictMode>,
    );
    return;
  }
  connectStore();
  startAudio();
  startSpeakerReports();
  startCalibrationListeners();
  root.render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
});
