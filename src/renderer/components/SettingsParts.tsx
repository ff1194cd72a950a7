/** Building blocks of the Settings view. */
import { useId, useState, type FormEvent, type ReactNode } from 'react';

/** One titled group of settings. */
export function Section({
  title,
  description,
  children,
}: {
  title: string;
  description?: string;
  children: ReactNode;
}) {
  const id = useId();
  return (
    <section className="settings-section" aria-labelledby={id}>
      <div className="settings-intro">
        <h2 id={id}>{title}</h2>
        {description ? <p>{description}</p> : null}
      </div>
      <div className="settings-fields">{children}</div>
    </section>
  );
}

/** A row of buttons, one of which is chosen (a radio group). */
export function Segmented<T extends string>({
  label,
  value,
  options,
  onChange,
  testId,
}: {
  label: string;
  value: T;
  options: Array<[T, string]>;
  onChange(v: T): void;
  testId?: string;
}) {
  return (
    <div className="segmented" role="radiogroup" aria-label={label} data-testid={testId}>
      {options.map(([v, text]) => (
        <button key={v} type="button" role="radio" aria-checked={value === v} onClick={() => onChange(v)}>
          {text}
        </button>
      ))}
    </div>
  );
}

/** A text setting edited locally and saved on Enter, on blur, or with its button. */
export function TextSetting({
  label,
  value,
  onSave,
  testId,
  hint,
  maxLength,
}: {
  label: string;
  value: string;
  onSave(v: string): Promise<boolean>;
  testId: string;
  hint?: string;
  maxLength?: number;
}) {
  const [draft, setDraft] = useState<string | null>(null);
  const id = useId();
  const save = async (event?: FormEvent) => {
    event?.preventDefault();
    if (draft === null || draft === value) return setDraft(null);
    if (await onSave(draft.trim())) setDraft(null);
  };
  return (
    <form className="field" onSubmit={(e) => void save(e)}>
      <label htmlFor={id}>{label}</label>
      <div className="field-row">
        <input
          id={id}
          type="text"
          value={draft ?? value}
          maxLength={maxLength}
          data-testid={testId}
          onChange={(e) => setDraft(e.target.value)}
          onBlur={() => void save()}
        />
        <button type="submit" className="button" disabled={draft === null || draft === value}>
          Save
        </button>
      </div>
      {hint ? <p className="hint">{hint}</p> : null}
    </form>
  );
}
