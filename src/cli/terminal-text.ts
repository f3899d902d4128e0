/**
 * Characters a terminal obeys rather than shows: C0 controls (ESC starts colour, title and
 * clear-screen sequences; CR overwrites a line), DEL, the C1 controls (U+009B is a one-character
 * CSI), and the bidirectional overrides and isolates that reorder what is shown (U+202E).
 * Newline and tab are kept: the output's own layout uses them.
 */
const OBEYED_BY_TERMINALS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text for a terminal, with every character a terminal would obey written as a visible `\uXXXX`
 * (ESC as `\u001b`). Folder, file and class names come from the user's disk and reach the output
 * inside sentences, so this runs on everything the CLI writes, in one place. The same form is a
 * JSON string escape and JSON.stringify leaves no raw C0 outside of it, so JSON output still
 * parses back to the exact names.
 */
export function escapeControls(text: string): string {
  return text.replace(OBEYED_BY_TERMINALS, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
