/**
 * Numbers, sizes, durations and dates through `Intl` in the app's language, the same in the core,
 * the CLI and the window. Sizes are binary and named so (KiB, MiB, GiB: 1024 bytes a KiB).
 */
import type { Language } from './language';

const UNKNOWN: Record<Language, string> = { en: 'unknown', de: 'unbekannt' };
const SIZE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatNumber(value: number, language: Language = 'en', maximumFractionDigits = 0): string {
  return new Intl.NumberFormat(language, { maximumFractionDigits }).format(value);
}

/** 1536 -> "1.5 KiB" (en), "1,5 KiB" (de). */
export function formatSize(bytes: number | null | undefined, language: Language = 'en'): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return UNKNOWN[language];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < SIZE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 ? 0 : 1;
  return `${new Intl.NumberFormat(language, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value)} ${SIZE_UNITS[unit]}`;
}

/** 3_725_000 ms -> "1 hr 2 min" (en), "1 Std. 2 Min." (de); under a minute in seconds. */
export function formatDuration(ms: number, language: Language = 'en'): string {
  if (!Number.isFinite(ms) || ms < 0) return UNKNOWN[language];
  const unit = (value: number, name: 'hour' | 'minute' | 'second', digits = 0) =>
    new Intl.NumberFormat(language, { style: 'unit', unit: name, unitDisplay: 'short', maximumFractionDigits: digits }).format(value);
  const seconds = ms / 1000;
  if (seconds < 60) return unit(seconds, 'second', seconds < 10 ? 1 : 0);
  const totalMinutes = Math.floor(seconds / 60);
  const hours = Math.floor(totalMinutes / 60);
  const minutes = totalMinutes % 60;
  if (hours === 0) return `${unit(minutes, 'minute')} ${unit(Math.floor(seconds % 60), 'second')}`;
  return `${unit(hours, 'hour')} ${unit(minutes, 'minute')}`;
}

/** A moment as people read it: "Dec 4, 2026, 6:30 AM" (en), "04.12.2026, 06:30" (de). */
export function formatDateTime(moment: string | number | Date, language: Language = 'en'): string {
  const date = moment instanceof Date ? moment : new Date(moment);
  if (Number.isNaN(date.getTime())) return UNKNOWN[language];
  return new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

/** 0.8734 -> "87.3%" (en), "87,3 %" (de). */
export function formatPercent(fraction: number, language: Language = 'en', maximumFractionDigits = 1): string {
  return new Intl.NumberFormat(language, { style: 'percent', maximumFractionDigits }).format(fraction);
}
