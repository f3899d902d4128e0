import { msg, text as english } from '../../../src/i18n';
import { useFormat, useT } from '../i18n';

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
  const t = useT();
  const format = useFormat();
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
        {help} {t('training:numberField.limits', { default: format.number(defaultValue), min: format.number(limits.min), max: format.number(limits.max) })}
      </p>
    </div>
  );
}

/** What is wrong with a field's text: not a whole number, or outside the limits. */
export type IntegerProblem = 'notWhole' | 'outOfRange';

/**
 * A whole number within limits, or a sentence saying what is wrong. `what` is either the field's
 * English name ("Batch size": English sentences, as before), or a function giving the whole
 * sentence for each problem in the window's language (the caller's catalog, limits included).
 */
export function integerField(text: string, limits: { min: number; max: number }, what: string | ((problem: IntegerProblem) => string)): { value: number } | { problem: string } {
  const say = (problem: IntegerProblem) =>
    typeof what === 'function' ? what(problem) : english(msg(`training:numberField.${problem}`, { what, min: limits.min.toLocaleString(), max: limits.max.toLocaleString() }));
  const value = Number(text.trim());
  if (!text.trim() || !Number.isInteger(value)) return { problem: say('notWhole') };
  if (value < limits.min || value > limits.max) return { problem: say('outOfRange') };
  return { value };
}
