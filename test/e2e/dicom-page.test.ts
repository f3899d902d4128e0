/**
 * Issue 17: drop a folder of DICOM files on the Dataset page, prepare it for AUCMEDI, and see the
 * new dataset ready for training (real UI in Chromium, real core, real DICOM files from pydicom).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../src/core';
import { JsonFileSettingsStore } from '../../src/settings/store';
import { seededValues, writeDicom } from '../helpers/dicom';
import { requireBuild, requireChromium, requireDicomTools } from '../helpers/requirements';
import { snapshotFolder } from '../helpers/snapshot';
import { tempDir } from '../helpers/temp';
import { launchBrowser, openApp, ScriptedDialogs, type AppPage } from './harness';

const ready = requireChromium() && requireBuild() && requireDicomTools();

describe.runIf(ready)('Dataset page with a DICOM folder (real UI in Chromium, real core)', () => {
  const dir = tempDir('aucmedi-dicom-e2e-');
  const source = path.join(dir, 'PACS export');
  const parent = path.join(dir, 'datasets');
  const dialogs = new ScriptedDialogs();
  let browser: Browser;
  let core: Core;
  let app: AppPage;

  beforeAll(async () => {
    writeDicom([
      ...['effusion', 'normal'].flatMap((name, c) =>
        Array.from({ length: 12 }, (_, i) => ({ path: path.join(source, name, `IM${i}.dcm`), values: seededValues(32 * 32, c * 1000, 3000 + c * 1000, 10 * c + i + 1), rows: 32, columns: 32, bits_stored: 12, modality: 'CR', window: [2500, 4000] as [number, number], patient_name: 'Mustermann^Erika' })),
      ),
      { path: path.join(source, 'normal', 'report.dcm'), no_pixels: true, modality: 'SR' },
    ]);
    mkdirSync(parent); // an existing folder, as the user picks one
    core = createCore({ settings: new JsonFileSettingsStore(path.join(dir, 'settings.json')), dialogs });
    browser = await launchBrowser();
    app = await openApp(browser, core);
    await app.page.getByTestId('nav-dataset').click();
  });
  afterAll(async () => {
    await app?.close();
    await browser?.close();
    core?.dispose();
  });

  it('offers to prepare a dropped DICOM folder, reads it, converts it, and opens the new dataset ready for training', async () => {
    const before = snapshotFolder(source);
    await app.drop('[data-testid=dataset-drop]', [source]);
    await app.page.getByTestId('dicom-card').waitFor({ timeout: 60_000 });
    expect(await app.page.getByTestId('dataset-verdict').textContent()).toMatch(/to fix/); // AUCMEDI cannot read it as it is
    await app.page.getByTestId('dicom-read').click();
    await app.page.getByTestId('dicom-summary').waitFor({ timeout: 60_000 });
    expect(await app.page.getByTestId('dicom-2d').textContent()).toBe('24 images');
    expect(await app.page.getByTestId('dicom-classes').textContent()).toBe('effusion 12, normal 12');
    expect(await app.page.getByTestId('dicom-unusable').textContent()).toMatch(/1 file cannot be used/);
    expect(await app.page.getByTestId('dicom-convert').isDisabled()).toBe(true); // no folder chosen yet
    dialogs.folderQueue.push(parent);
    await app.page.getByTestId('dicom-choose-parent').click();
    const out = path.join(parent, 'PACS export for AUCMEDI');
    await app.page.getByTestId('dicom-out').getByText(out).waitFor();
    await app.page.getByTestId('dicom-mapping').check();
    await app.screenshot('dataset-dicom');
    await app.page.getByTestId('dicom-convert').click();

    await app.page.getByTestId('dicom-converted').waitFor({ timeout: 60_000 });
    await app.page.getByTestId('dataset-report').waitFor({ timeout: 60_000 });
    expect(await app.page.getByTestId('dataset-verdict').textContent()).toBe('Ready for training');
    expect(await app.page.getByTestId('dataset-selection').textContent()).toContain(out);
    expect(await app.page.getByTestId('class-bar').allTextContents()).toEqual(['effusion12', 'normal12']);
    expect(await app.page.getByTestId('dicom-card').count()).toBe(0);
    expect(await app.page.getByTestId('dicom-converted').textContent()).toMatch(/24 images, 1 file of the DICOM folder left out.*identifiers/);
    await app.screenshot('dataset-dicom-converted');

    expect(readdirSync(path.join(out, 'effusion'))).toHaveLength(12);
    expect(readFileSync(`${out} - identifiers.csv`, 'utf8')).toMatch(/^image,source_file,/);
    expect(existsSync(path.join(source, 'PACS export for AUCMEDI'))).toBe(false);
    expect(snapshotFolder(source)).toEqual(before);
  });

  it('takes the classes of a PACS export from an annotation file keyed by a DICOM attribute the user picks', async () => {
    const pacs = path.join(dir, 'PACS by patient');
    writeDicom(
      ['P-001', 'P-002', 'P-003'].flatMap((patient, p) =>
        Array.from({ length: 4 }, (_, i) => ({ path: path.join(pacs, `STUDY${p + 1}`, `IM${i}`), values: seededValues(16 * 16, 0, 4000, 100 + 10 * p + i), rows: 16, columns: 16, bits_stored: 12, modality: 'DX', patient_id: patient })),
      ),
    );
    const csv = path.join(dir, 'diagnoses.csv');
    writeFileSync(csv, 'PatientID,diagnosis\nP-001,effusion\nP-002,normal\nP-003,normal\n');
    await app.page.getByTestId('nav-dataset').click();
    await app.drop('[data-testid=dataset-drop]', [pacs]);
    await app.page.getByTestId('dicom-read').click({ timeout: 60_000 });
    await app.page.getByTestId('dicom-summary').waitFor({ timeout: 60_000 });
    expect(await app.page.getByTestId('dicom-classes').textContent()).toBe('STUDY1 4, STUDY2 4, STUDY3 4'); // the folders, until told otherwise
    dialogs.openQueue.push(csv);
    await app.page.getByTestId('dicom-classes-csv').click(); // checked once the file is chosen and the files read again, not at the click
    await app.page.getByTestId('dicom-classes').getByText('effusion 4, normal 8').waitFor({ timeout: 60_000 });
    expect(await app.page.getByTestId('dicom-classes-file').textContent()).toBe(csv);
    // keyed by another attribute, no row matches
    await app.page.getByTestId('dicom-classes-attribute').selectOption('StudyInstanceUID');
    await app.page.getByTestId('dicom-classes').getByText(/none: no file matches a row of the annotation file \(3 rows of the annotation file matched no file\)/).waitFor({ timeout: 60_000 });
    await app.page.getByTestId('dicom-classes-attribute').selectOption('PatientID');
    await app.page.getByTestId('dicom-classes').getByText('effusion 4, normal 8').waitFor({ timeout: 60_000 });
    await app.screenshot('dataset-dicom-classes-csv');
    dialogs.folderQueue.push(parent);
    await app.page.getByTestId('dicom-choose-parent').click();
    await app.page.getByTestId('dicom-convert').click();
    await app.page.getByTestId('dicom-converted').waitFor({ timeout: 60_000 });
    await app.page.getByTestId('dataset-selection').getByText(path.join(parent, 'PACS by patient for AUCMEDI')).waitFor({ timeout: 60_000 });
    await app.page.getByTestId('dataset-verdict').getByText('Ready for training').waitFor({ timeout: 60_000 });
    expect(await app.page.getByTestId('dataset-verdict').textContent()).toBe('Ready for training');
    expect(await app.page.getByTestId('class-bar').allTextContents()).toEqual(['effusion4', 'normal8']);
  });

  it('offers to look deeper than AUCMEDI when a folder has only sub-folders, finds a PACS export of patient, study and series folders there, and says so when there is none', async () => {
    const deep = path.join(dir, 'PACS deep');
    writeDicom(
      ['effusion', 'normal'].flatMap((name, c) =>
        Array.from({ length: 3 }, (_, i) => ({ path: path.join(deep, name, `PATIENT${c}`, 'STUDY1', `SERIES${i % 2}`, `IM${i}`), values: seededValues(16 * 16, 0, 4000, 300 + 10 * c + i), rows: 16, columns: 16, bits_stored: 12, modality: 'DX' })),
      ),
    );
    await app.page.getByTestId('nav-dataset').click();
    await app.drop('[data-testid=dataset-drop]', [deep]);
    await app.page.getByTestId('dicom-deeper').waitFor({ timeout: 60_000 });
    expect(await app.page.getByTestId('dicom-card').locator('h2').textContent()).toBe('DICOM in the sub-folders?');
    await app.screenshot('dataset-dicom-deeper');
    await app.page.getByTestId('dicom-read').click();
    await app.page.getByTestId('dicom-summary').waitFor({ timeout: 60_000 });
    expect(await app.page.getByTestId('dicom-2d').textContent()).toBe('6 images');
    await app.page.getByTestId('dicom-classes-folders').click(); // the previous test left the classes coming from its annotation file
    await app.page.getByTestId('dicom-classes').getByText('effusion 3, normal 3').waitFor({ timeout: 60_000 });
    // a window for the DX images, typed as radiologists say it
    dialogs.folderQueue.push(parent);
    await app.page.getByTestId('dicom-choose-parent').click();
    await app.page.getByTestId('dicom-window-DX').fill('wide');
    expect(await app.page.getByTestId('dicom-window-DX').getAttribute('aria-invalid')).toBe('true');
    expect(await app.page.getByTestId('dicom-convert').isDisabled()).toBe(true);
    await app.page.getByTestId('dicom-window-DX').fill('1000/2000');
    await app.screenshot('dataset-dicom-windows');
    await app.page.getByTestId('dicom-convert').click();
    await app.page.getByTestId('dicom-converted').waitFor({ timeout: 60_000 });
    const settings = JSON.parse(readFileSync(path.join(parent, 'PACS deep for AUCMEDI', 'aucmedi-desk-conversion.json'), 'utf8'));
    expect(settings).toMatchObject({ options: { window: 'auto', windowsByModality: { DX: { width: 1000, center: 2000 } } }, windowsUsed: { 'window 1000/2000': 6 } });

    const notes = path.join(dir, 'notes only');
    mkdirSync(path.join(notes, 'a', 'b'), { recursive: true });
    writeFileSync(path.join(notes, 'a', 'b', 'readme.txt'), 'not an image');
    await app.drop('[data-testid=dataset-drop]', [notes]);
    await app.page.getByTestId('dicom-deeper').waitFor({ timeout: 60_000 });
    await app.page.getByTestId('dicom-read').click();
    await app.page.getByTestId('dicom-none').waitFor({ timeout: 60_000 });
    expect(await app.page.getByTestId('dicom-none').textContent()).toBe('No DICOM file in 1 file of this folder and its sub-folders (e.g. a/b/readme.txt).');
    expect(await app.page.getByTestId('dicom-summary').count()).toBe(0);
  });
});
