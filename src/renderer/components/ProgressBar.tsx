import { percent } from '../ui/format';

/** A labelled progress bar (role progressbar) for scans and downloads. */
export function ProgressBar({
  done,
  total,
  label,
  testId,
  indeterminate = false,
}: {
  done: number;
  total: number;
  label: string;
  testId?: string;
  indeterminate?: boolean;
}) {
  const value = percent(done, total);
  return (
    <div
      className={`progress${indeterminate ? ' indeterminate' : ''}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={indeterminate ? undefined : value}
      data-testid={testId}
    >
      <div className="progress-fill" style={{ width: indeterminate ? undefined : `${value}%` }} />
    </div>
  );
}
