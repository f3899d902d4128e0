/** A window as radiologists write it, WIDTH/CENTER ("400/40"), or null when the text is not one. */
export function parseWindowText(text: string): { width: number; center: number } | null {
  const match = /^\s*(\d+(?:\.\d+)?)\s*\/\s*(-?\d+(?:\.\d+)?)\s*$/.exec(text);
  return match && Number(match[1]) > 0 ? { width: Number(match[1]), center: Number(match[2]) } : null;
}

/** A Modality (0008,0060) value: a DICOM code string of up to 16 capitals, digits, spaces or underscores. */
export const MODALITY_PATTERN = /^[A-Z0-9_ ]{1,16}$/;

/**
 * `--window` of the CLI: comma-separated items, each `auto`, `WIDTH/CENTER` (for every 2D image) or
 * `MODALITY=auto|WIDTH/CENTER` (for that modality's), e.g. `CR=2000/1000,DX=auto`; null when not so.
 */
export function parseWindowList(text: string): { window: 'auto' | { width: number; center: number }; windowsByModality: Record<string, 'auto' | { width: number; center: number }> } | null {
  let window: 'auto' | { width: number; center: number } | null = null;
  const windowsByModality: Record<string, 'auto' | { width: number; center: number }> = {};
  for (const item of text.split(',').map((part) => part.trim())) {
    const equals = item.indexOf('=');
    const modality = equals < 0 ? null : item.slice(0, equals).trim().toUpperCase();
    const valueText = equals < 0 ? item : item.slice(equals + 1).trim();
    const value = valueText.toLowerCase() === 'auto' ? 'auto' : parseWindowText(valueText);
    if (!value) return null;
    if (modality === null) {
      if (window !== null) return null; // two windows for every image
      window = value;
    } else {
      if (!MODALITY_PATTERN.test(modality) || modality in windowsByModality) return null;
      windowsByModality[modality] = value;
    }
  }
  return { window: window ?? 'auto', windowsByModality };
}
