/** A window as radiologists write it, WIDTH/CENTER ("400/40"), or null when the text is not one. */
export function parseWindowText(text: string): { width: number; center: number } | null {
  const match = /^\s*(\d+(?:\.\d+)?)\s*\/\s*(-?\d+(?:\.\d+)?)\s*$/.exec(text);
  return match && Number(match[1]) > 0 ? { width: Number(match[1]), center: Number(match[2]) } : null;
}
