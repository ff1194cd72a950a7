import { useStorageProblem } from '../store';

/**
 * Says when this device's data folder cannot take downloads ("disk full: 12 MB needed"), so a
 * track that does not start has a reason on screen; it goes away by itself once space returns.
 */
export function StorageBanner() {
  const message = useStorageProblem();
  if (!message) return null;
  return (
    <p role="alert" className="banner banner-warn" data-testid="storage-problem">
      This device cannot store downloads: {message}. Downloads are paused and resume by themselves when there
      is room.
    </p>
  );
}
