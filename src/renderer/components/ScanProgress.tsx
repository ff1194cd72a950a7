/**
 * A running library scan's progress: the library view shows it as a banner with the file being read,
 * the music folders setting as a line under its list. One component for both, so the words and the
 * bar are written once; each place keeps its own look and wording.
 */
import type { PeerStatus } from '../../shared/status';
import { ProgressBar } from './ProgressBar';

/** A scan as the peer reports it (`status.library.scan`). */
export type ScanState = NonNullable<PeerStatus['library']>['scan'];

/** The scan's words and progress bar while it runs; nothing otherwise. */
export function ScanProgress({
  scan,
  variant,
}: {
  scan: ScanState | undefined;
  variant: 'banner' | 'inline';
}) {
  if (!scan?.running) return null;
  const bar = (
    <ProgressBar done={scan.done} total={scan.total} label="Library scan" indeterminate={scan.total === 0} />
  );
  if (variant === 'inline')
    return (
      <div className="scan-inline" role="status">
        <span>
          Scanning {scan.done} of {scan.total} files
        </span>
        {bar}
      </div>
    );
  return (
    <div className="scan-banner" role="status" data-testid="scan-progress">
      <span>
        Scanning your music: {scan.done.toLocaleString('en-US')} of {scan.total.toLocaleString('en-US')} files
        <span className="scan-path">{scan.currentPath}</span>
      </span>
      {bar}
    </div>
  );
}
