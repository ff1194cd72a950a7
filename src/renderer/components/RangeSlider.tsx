import { useState } from 'react';

/**
 * A range input that shows its value live while dragged but commits once, when the pointer or
 * key is released: a seek or a volume change is one command, not fifty.
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
  const shown = dragging ?? value;
  const fill = max > min ? ((Math.min(max, Math.max(min, shown)) - min) / (max - min)) * 100 : 0;
  const commit = () => {
    if (dragging === null) return;
    onCommit(dragging);
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
