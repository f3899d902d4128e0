import { spawnSync } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DatasetReport } from '../../src/api/dataset';
import { makeClassDataset } from '../helpers/images';
import { requireBuild } from '../helpers/requirements';
import { tempDir } from '../helpers/temp';

const ready = requireBuild();
const CLI = path.resolve('dist/cli/aucmedi-desk.mjs');

/** What a terminal obeys instead of showing: C0 but newline and tab, DEL, C1, bidi overrides and isolates. */
const OBEYED = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

// Folder and file names as a hostile USB stick brings them: colour, window title, clear screen,
// a one-character C1 CSI, and a right-to-left override that shows "gnp.exe" as "exe.png".
const RED = 'cls\u001b[31mRED\u001b]0;pwned\u0007';
const CSI = 'plain\u009b2J';
const BIDI = 'bidi\u202etxt';
const IMAGE_NAME = 'scan\u001b[2J\u001bc.png';
const NOTE_NAME = 'notes\u001b]2;owned\u0007\u202e.txt';

describe.runIf(ready)('aucmedi-desk text output with hostile names (built CLI)', () => {
  const home = tempDir();
  const dataset = tempDir('hostile-names-');
  makeClassDataset(dataset, { classes: { [RED]: 3, [CSI]: 3, [BIDI]: 3 }, size: 8 });
  copyFileSync(path.join(dataset, RED, `${RED}_000.png`), path.join(dataset, RED, IMAGE_NAME));
  writeFileSync(path.join(dataset, CSI, NOTE_NAME), 'a note');

  const run = (args: string[]) => {
    const result = spawnSync(process.execPath, [CLI, ...args], { env: { ...process.env, AUCMEDI_DESK_HOME: home }, timeout: 60_000 });
    return { status: result.status, stdout: result.stdout.toString('utf8'), stderr: result.stderr.toString('utf8') };
  };

  it('dataset validate shows every name with its control characters escaped, on stdout and stderr', () => {
    const result = run(['dataset', 'validate', dataset]);
    expect(result.status, result.stderr).toBe(0); // small classes are warnings only
    expect(result.stdout).not.toMatch(OBEYED);
    expect(result.stderr).not.toMatch(OBEYED);
    expect(result.stdout).toContain('cls\\u001b[31mRED\\u001b]0;pwned\\u0007');
    expect(result.stdout).toContain('plain\\u009b2J');
    expect(result.stdout).toContain('bidi\\u202etxt');
    expect(result.stdout).toContain('notes\\u001b]2;owned\\u0007\\u202e.txt');
  });

  it('an error naming a hostile path reaches stderr escaped', () => {
    // C0 in a path is refused at the request schema; C1 and bidi reach the scan, which names the path
    const result = run(['dataset', 'validate', path.join(dataset, 'gone\u009b2J\u202e')]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('gone\\u009b2J\\u202e');
    expect(result.stderr).not.toMatch(OBEYED);
    const refused = run(['dataset', 'validate', path.join(dataset, 'gone\u001b]0;x\u0007')]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).not.toMatch(OBEYED);
  });

  it('--json stays exact: the names parse back byte for byte', () => {
    const result = run(['dataset', 'validate', dataset, '--json']);
    expect(result.stdout).not.toMatch(OBEYED);
    const report = JSON.parse(result.stdout) as DatasetReport;
    expect(report.classes.map((c) => c.name).sort()).toEqual([RED, CSI, BIDI].sort());
    expect(report.classes.find((c) => c.name === RED)?.count).toBe(4);
    expect(JSON.stringify(report.problems)).toContain(JSON.stringify(NOTE_NAME).slice(1, -1));
    expect(Object.values(report.samples).flat()).toContain(path.join(RED, IMAGE_NAME));
  });
});
