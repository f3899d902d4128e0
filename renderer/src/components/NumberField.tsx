/** A whole-number field with its limits and default said below it. */
export function NumberField({
  id,
  label,
  value,
  limits,
  defaultValue,
  onChange,
  help,
  note,
}: {
  id: string;
  label: string;
  value: string;
  limits: { min: number; max: number };
  defaultValue: number;
  onChange(value: string): void;
  help: string;
  /** A sentence about the value entered (e.g. what it means for the run), shown above the help. */
  note?: string | null;
}) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} type="number" inputMode="numeric" min={limits.min} max={limits.max} step={1} value={value} onChange={(event) => onChange(event.target.value)} data-testid={id} />
      {note && (
        <p className="small" data-testid={`${id}-note`}>
          {note}
        </p>
      )}
      <p className="muted small">
        {help} Default {defaultValue.toLocaleString()}; {limits.min.toLocaleString()} to {limits.max.toLocaleString()}.
      </p>
    </div>
  );
}

/** A whole number within limits, or a sentence saying what is wrong. */
export function integerField(text: string, limits: { min: number; max: number }, what: string): { value: number } | { problem: string } {
  const value = Number(text.trim());
  if (!text.trim() || !Number.isInteger(value)) return { problem: `${what} must be a whole number.` };
  if (value < limits.min || value > limits.max) return { problem: `${what} must be between ${limits.min.toLocaleString()} and ${limits.max.toLocaleString()}.` };
  return { value };
}
