import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main';
import { escapeControls } from '../../../src/cli/terminal-text';

/** Every character a terminal obeys instead of showing (newline and tab are the output's own layout). */
const OBEYED = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const HOSTILE = ['\u001b[31mred', '\u001b]0;title\u0007', '\u001bc', '\r', '\u0008', '\u007f', '\u009b2J', '\u0085', 'abc\u202eexe.gnp', '\u2066iso\u2069', '\u0000'];

describe('escapeControls', () => {
  it('writes every control character as a visible \\uXXXX and keeps newlines, tabs and ordinary text', () => {
    expect(escapeControls('cls\u001b[31mRED\u001b]0;pwned\u0007')).toBe('cls\\u001b[31mRED\\u001b]0;pwned\\u0007');
    expect(escapeControls('a\u009b2Jb\u202ec\rd\u007f')).toBe('a\\u009b2Jb\\u202ec\\u000dd\\u007f');
    expect(escapeControls('Classes\n  Lunge\tü ✓ 日本')).toBe('Classes\n  Lunge\tü ✓ 日本');
    for (const text of HOSTILE) expect(escapeControls(text)).not.toMatch(OBEYED);
  });

  it('leaves JSON that parses back to the exact names', () => {
    const value = { names: HOSTILE, nested: { [HOSTILE[0]!]: HOSTILE.join('\n\t') } };
    const written = escapeControls(JSON.stringify(value, null, 2));
    expect(written).not.toMatch(OBEYED);
    expect(JSON.parse(written)).toEqual(value);
  });
});

describe('aucmedi-desk text output', () => {
  it('escapes control characters in what it writes, here an argument echoed in a usage error', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['engine', '--\u001b]0;pwned\u0007\u001b[2J'], (t) => void out.push(t), (t) => void err.push(t));
    expect(code).toBe(2);
    expect(err.join('\n')).toContain('unknown option --\\u001b]0;pwned\\u0007\\u001b[2J');
    expect(err.join('\n')).not.toMatch(OBEYED);
  });
});
