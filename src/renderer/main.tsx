import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { startAudio } from './playback/engine-host';
import { connectStore } from './store';
import './styles.css';

connectStore();
startAudio();
createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
