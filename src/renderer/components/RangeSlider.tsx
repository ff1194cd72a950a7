import { useEffect, useState } from 'react';

/** How long a committed value is shown while its change makes its way back as `value` (ms). */
const PENDING_MS = 2000;

/**
 * A range input that shows its value live while dragged but commits once, when the pointer or
 * key is released: a seek or a volume change is one command, not fifty. A committed value stays
 * shown until `value` comes back with it (or for 2 s, if the change was refused), so a second key
 * press right after the first counts from where the first left it, not from the old value.
 */
export function RangeSlider({
  value,
  min,
  max,
  step,
  label,
  valueText,
  disabled,
  onCommit,
  onPreview,
  className = '',
  testId,
}: {
  value: number;
  min: number;
  max: number;
  step: number;
  label: string;
  valueText?: (value: number) => string;
  disabled?: boolean;
  onCommit(value: number): void;
  onPreview?(value: number | null): void;
  className?: string;
  testId?: string;
}) {
  const [dragging, setDragging] = useState<number | null>(null);
  const [pending, setPending] = useState<number | null>(null);
  useEffect(() => {
    if (pending === null) return;
    if (pending === value) return setPending(null);
    const timer = setTimeout(() => setPending(null), PENDING_MS);
    return () => clearTimeout(timer);
  }, [pending, value]);
  const shown = dragging ?? pending ?? value;
  const fill = max > min ? ((Math.min(max, Math.max(min, shown)) - min) / (max - min)) * 100 : 0;
  const commit = () => {
    if (dragging === null) return;
    onCommit(dragging);
    setPending(dragging);
    setDragging(null);
    onPreview?.(null);
  };
  return (
    <input
      type="range"
      className={`slider ${className}`}
      aria-label={label}
      aria-valuetext={valueText ? valueText(shown) : undefined}
      min={min}
      max={max}
      step={step}
      value={shown}
      disabled={disabled}
      data-testid={testId}
      style={{ ['--fill' as string]: `${fill}%` }}
      onChange={(e) => {
        const next = Number(e.target.value);
        setDragging(next);
        onPreview?.(next);
      }}
      onPointerUp={commit}
      onKeyUp={commit}
      onBlur={commit}
    />
  );
}
