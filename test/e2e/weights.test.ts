import { spawnSync } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { docker } from '../helpers/docker-cli';
import { makeClassDataset } from '../helpers/images';
import { requireBuild, requireChromium, requireEngine } from '../helpers/requirements';
import { writeZip } from '../helpers/zip';
import { TEST_WEIGHTS_HASHES, testWeightsBytes } from '../helpers/test-weights';
import { formatBytes } from '../../src/api/format';
import { appSession } from './harness';

const ready = requireEngine() && requireChromium() && requireBuild();

const HDF5 = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const DENSENET = 'densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5';
const EFFICIENTNET = 'efficientnetb0_notop.h5';
const CONSENT =
  'This downloads the pretrained weights from the internet: the AUCMEDI image runs once per architecture WITH network access, only for this. Use it on a connected computer, never on the clinical workstation.';

describe.runIf(ready)('Pretrained weights and the offline bundle on the Setup page (real UI, real core, real engine)', () => {
  /** A tiny image of its own (one file, no program) stands in for the bundle's AUCMEDI image: only loading it is tested. */
  const tag = `aucmedi-desk/bundle-e2e:${randomUUID().slice(0, 8)}`;
  const session = appSession({
    imageRef: tag,
    // Fake weights files, with the TEST hash table that takes them (Keras's own would call them wrong files).
    core: (dir) => ({ bundleDirs: [path.join(dir, 'not-here'), path.join(dir, 'offline-bundle')], weightsHashes: TEST_WEIGHTS_HASHES }),
    timeout: 300_000,
    prepare: () => {
      mkdirSync(bundleDir, { recursive: true });
      // The bundle: an image tarball made with docker save, and a weights .zip, each with its .sha256.
      const rootfs = path.join(dir, 'rootfs');
      mkdirSync(rootfs);
      writeFileSync(path.join(rootfs, 'README'), 'offline bundle e2e image\n');
      spawnSync('tar', ['-cf', path.join(dir, 'rootfs.tar'), '-C', rootfs, '.']);
      docker(['import', path.join(dir, 'rootfs.tar'), tag]);
      docker(['save', '-o', path.join(bundleDir, 'aucmedi.tar'), tag]);
      docker(['rmi', tag]);
      writeFileSync(path.join(bundleDir, 'aucmedi.tar.sha256'), `${sha256(readFileSync(path.join(bundleDir, 'aucmedi.tar')))}  aucmedi.tar\n`);
      writeZip(path.join(bundleDir, 'keras-weights.zip'), { [`models/${EFFICIENTNET}`]: efficientnet });
      writeFileSync(path.join(bundleDir, 'keras-weights.zip.sha256'), `${sha256(readFileSync(path.join(bundleDir, 'keras-weights.zip')))}  keras-weights.zip\n`);

      // A copy of ~/.keras/models as IT might bring it: one weights file and a note.
      mkdirSync(source);
      writeFileSync(path.join(source, DENSENET), densenet);
      writeFileSync(path.join(source, 'notes.txt'), 'copied from the connected PC\n');
      makeClassDataset(dataset, { classes: { benign: 6, malignant: 6 }, size: 16, seed: 2 });
    },
  });
  const { dir, dataDir, dialogs } = session;
  const weightsDir = path.join(dataDir, 'weights');
  const bundleDir = path.join(dir, 'offline-bundle');
  const source = path.join(dir, 'keras-models');
  const dataset = path.join(dir, 'lesions');
  const exported = path.join(dir, 'usb-stick', 'keras-weights.tar');
  const densenet = testWeightsBytes(DENSENET);
  const efficientnet = testWeightsBytes(EFFICIENTNET);

  afterAll(() => void docker(['rmi', tag], { allowFail: true }));

  const text = (testId: string) => session.app.page.getByTestId(testId).first().textContent();

  it('offers the offline bundle found next to the program: one click loads the image, one click imports the weights', async () => {
    const card = session.app.page.getByTestId('bundle-card');
    await card.waitFor({ timeout: 30_000 });
    expect(await text('bundle-dir')).toBe(bundleDir);
    await session.app.page.getByTestId('image-state').filter({ hasText: 'Missing' }).waitFor({ timeout: 30_000 });
    expect(await card.getByTestId('bundle-image').textContent()).toMatch(/aucmedi\.tar[\s\S]*aucmedi\.tar\.sha256 beside it: checked while loading/);
    expect(await card.getByTestId('bundle-weights').textContent()).toMatch(/keras-weights\.zip[\s\S]*keras-weights\.zip\.sha256 beside it: checked while importing/);
    await session.app.screenshot('setup-offline-bundle');

    await card.getByTestId('bundle-load-image').click();
    await card.getByTestId('bundle-image-done').waitFor({ timeout: 120_000 });
    expect(await text('bundle-image-done')).toMatch(/aucmedi\.tar is loaded; its checksum file matched/);
    // The bundle's stand-in image is a single file, no AUCMEDI: loaded, and the image check calls it broken
    await session.app.page.getByTestId('image-state').filter({ hasText: 'Broken' }).waitFor({ timeout: 30_000 });
    // What is done is no longer offered.
    expect(await card.getByTestId('bundle-image').count()).toBe(0);

    await card.getByTestId('bundle-import-weights').click();
    await card.getByTestId('bundle-weights-done').waitFor({ timeout: 60_000 });
    expect(await text('bundle-weights-done')).toMatch(/keras-weights\.zip are in the weights folder; the archive matched its checksum file/);
    expect(await text('bundle-weights-result-headline')).toMatch(/^1 imported · 0 already there · 0 refused/);
    expect(await card.getByTestId('bundle-weights').count()).toBe(0);
    expect(readFileSync(path.join(weightsDir, EFFICIENTNET)).equals(efficientnet)).toBe(true);

    const row = session.app.page.locator(`[data-testid=weights-file][data-name="${EFFICIENTNET}"]`);
    await row.waitFor();
    expect(await row.getByTestId('weights-file-archs').textContent()).toBe('EfficientNetB0');
    await card.scrollIntoViewIfNeeded();
    await session.app.screenshot('setup-offline-bundle-done');
  }, 180_000);

  it('imports weights from a folder: one imported, the note refused with the reason, listed with its SHA-256', async () => {
    dialogs.folderQueue.push(source);
    await session.app.page.getByTestId('weights-import-folder').click();
    const result = session.app.page.getByTestId('weights-result');
    await result.waitFor({ timeout: 60_000 });
    expect(await text('weights-result-headline')).toMatch(/^1 imported · 0 already there · 1 refused/);
    const refused = session.app.page.locator('[data-testid=weights-result-refused-item][data-name="notes.txt"]');
    expect(await refused.textContent()).toMatch(/notes\.txt: not a weights file \(Keras weights end in \.h5 or \.keras\)/);
    expect(readFileSync(path.join(weightsDir, DENSENET)).equals(densenet)).toBe(true);

    const row = session.app.page.locator(`[data-testid=weights-file][data-name="${DENSENET}"]`);
    await row.waitFor();
    const sha = row.getByTestId('weights-file-sha');
    expect(await sha.textContent()).toBe(`${sha256(densenet).slice(0, 12)}…`);
    expect(await sha.getAttribute('title')).toBe(sha256(densenet));
    expect(await row.getByTestId('weights-file-archs').textContent()).toBe('DenseNet121');
    expect(await row.textContent()).toContain(formatBytes(densenet.length));
    expect(await session.app.page.getByTestId('weights-file').count()).toBe(2);
    expect(await text('weights-dir')).toBe(weightsDir);
    expect(await text('weights-ready')).toMatch(/Ready offline: DenseNet121, EfficientNetB0\. Vanilla needs no weights\./);
    await session.app.page.getByTestId('weights-card').scrollIntoViewIfNeeded();
    await session.app.screenshot('setup-weights');

    // Dropping the same weights again: nothing new, nothing overwritten.
    await session.app.drop('[data-testid=weights-drop]', [path.join(bundleDir, 'keras-weights.zip')]);
    await session.app.page.getByTestId('weights-result-headline').filter({ hasText: '0 imported · 1 already there · 0 refused' }).waitFor({ timeout: 30_000 });
    expect(await text('weights-result-skipped')).toMatch(/efficientnetb0_notop\.h5: already in the weights folder/);
  }, 120_000);

  it('shows on the Train page that DenseNet121 is now ready offline', async () => {
    dialogs.folderQueue.push(dataset);
    await session.app.page.getByTestId('nav-dataset').click();
    await session.app.page.getByTestId('dataset-choose').click();
    await session.app.page.getByTestId('dataset-verdict').filter({ hasText: 'Ready for training' }).waitFor({ timeout: 60_000 });
    await session.app.page.getByTestId('nav-train').click();
    const densenetOption = session.app.page.getByTestId('arch-DenseNet121');
    await densenetOption.waitFor({ timeout: 30_000 });
    expect(await densenetOption.getAttribute('data-weights')).toBe('ready');
    expect(await densenetOption.getByTestId('weights-ready-tag').textContent()).toBe('ready offline');
    expect(await session.app.page.getByTestId('arch-EfficientNetB0').getAttribute('data-weights')).toBe('ready');
    expect(await session.app.page.getByTestId('arch-ResNet50').getAttribute('data-weights')).toBe('missing');
    expect(await session.app.page.getByTestId('arch-ResNet50').getByTestId('weights-missing-tag').textContent()).toBe('weights missing');
    expect(await session.app.page.getByTestId('arch-Vanilla').textContent()).toMatch(/no weights needed/);

    await densenetOption.click();
    expect(await session.app.page.getByTestId('weights-hint').count()).toBe(0);
    await session.app.page.getByTestId('arch-ResNet50').click();
    expect(await text('weights-hint')).toMatch(/ResNet50 must be imported first[\s\S]*Setup page/);
    await session.app.page.getByTestId('arch-DenseNet121').click();
    await session.app.page.getByTestId('arch-search').fill('dense');
    await session.app.screenshot('train-weights-ready');
    await session.app.page.getByTestId('arch-search').fill('');
  }, 120_000);

  it('exports the weights folder as one .tar with its .sha256, for the bundle', async () => {
    await session.app.page.getByTestId('nav-setup').click();
    mkdirSync(path.dirname(exported), { recursive: true });
    dialogs.saveQueue.push(exported);
    await session.app.page.getByTestId('weights-export').click();
    const message = session.app.page.getByTestId('weights-message');
    await message.waitFor({ timeout: 60_000 });
    const archive = readFileSync(exported);
    const digest = sha256(archive);
    expect(await message.textContent()).toContain(`Saved ${exported}, with its checksum in keras-weights.tar.sha256 beside it (SHA-256 ${digest.slice(0, 12)}…)`);
    expect(readFileSync(`${exported}.sha256`, 'utf8')).toBe(`${digest}  keras-weights.tar\n`);
    const listing = spawnSync('tar', ['-tf', exported], { encoding: 'utf8' });
    expect(listing.status).toBe(0);
    expect(listing.stdout.split('\n').filter(Boolean).sort()).toEqual([DENSENET, EFFICIENTNET]);
    expect(spawnSync('sha256sum', ['-c', 'keras-weights.tar.sha256'], { cwd: path.dirname(exported), encoding: 'utf8' }).stdout).toMatch(/keras-weights\.tar: OK/);
  }, 60_000);

  it('shows "wrong file" for a file with the right name whose hash is not the one Keras checks, and does not count it ready', async () => {
    const vgg16 = 'vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5';
    // put there by hand, say copied from another source: hashed on the next listing
    writeFileSync(path.join(weightsDir, vgg16), Buffer.concat([HDF5, randomBytes(50_000)]));
    await session.app.page.getByTestId('nav-dataset').click();
    await session.app.page.getByTestId('nav-setup').click();
    const row = session.app.page.locator(`[data-testid=weights-file][data-name="${vgg16}"]`);
    await row.waitFor({ timeout: 30_000 });
    expect(await row.getAttribute('data-keras')).toBe('wrong-file');
    expect(await row.getByTestId('weights-file-wrong').textContent()).toBe('wrong file');
    expect(await row.getByTestId('weights-file-wrong').getAttribute('title')).toBe(`Keras accepts only the file whose MD5 is ${TEST_WEIGHTS_HASHES[vgg16]!.value}`);
    expect(await text('weights-wrong')).toMatch(new RegExp(`Wrong file: ${vgg16.replace(/\./g, '\\.')} \\(VGG16\\) has the name Keras looks for[\\s\\S]*What to do:[\\s\\S]*Remove it`));
    expect(await session.app.page.locator(`[data-testid=weights-file][data-name="${DENSENET}"]`).getAttribute('data-keras')).toBe('matches');
    expect(await text('weights-ready')).toMatch(/Ready offline: DenseNet121, EfficientNetB0\. Vanilla needs no weights\./);
    await session.app.page.getByTestId('weights-wrong').scrollIntoViewIfNeeded();
    await session.app.screenshot('setup-weights-wrong-file');
    rmSync(path.join(weightsDir, vgg16));
  }, 60_000);

  it('asks before downloading anything: Cancel sends nothing; confirming says why it failed on this machine', async () => {
    const downloads = () => session.app.invocations.filter((call) => call.channel === 'weights:download');
    await session.app.page.getByTestId('weights-prepare').click();
    const consent = session.app.page.getByTestId('weights-consent');
    await consent.waitFor();
    expect(await text('weights-consent-text')).toBe(CONSENT);
    // Only the 2D architectures whose weights are missing are offered.
    expect(await consent.getByTestId('weights-prepare-arch-ResNet50').count()).toBe(1);
    expect(await consent.getByTestId('weights-prepare-arch-DenseNet121').count()).toBe(0);
    expect(await consent.getByTestId('weights-prepare-arch-EfficientNetB0').count()).toBe(0);
    expect(await consent.getByTestId('weights-prepare-arch-Vanilla').count()).toBe(0);
    expect(await session.app.page.getByTestId('weights-consent-confirm').isDisabled()).toBe(true);
    await consent.getByTestId('weights-prepare-arch-ResNet50').locator('input').check();
    expect(await session.app.page.getByTestId('weights-consent-confirm').isDisabled()).toBe(false);
    await consent.scrollIntoViewIfNeeded();
    await session.app.screenshot('setup-weights-consent');

    await session.app.page.getByTestId('weights-consent-cancel').click();
    expect(await consent.count()).toBe(0);
    expect(downloads()).toEqual([]);

    await session.app.page.getByTestId('weights-prepare').click();
    await consent.getByTestId('weights-prepare-arch-ResNet50').locator('input').check();
    await session.app.page.getByTestId('weights-consent-confirm').click();
    const failure = session.app.page.locator('[data-testid=weights-download-error], [data-testid=weights-download-failed]');
    await failure.first().waitFor({ timeout: 180_000 });
    expect(downloads()).toEqual([{ channel: 'weights:download', request: { architectures: ['ResNet50'], threeDim: false, allowNetwork: true, operationId: expect.stringMatching(/^weights-download/) } }]);
    expect(await failure.first().textContent()).toMatch(/(could not|cannot)[\s\S]*What to do:/);
    expect(existsSync(path.join(weightsDir, 'resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5'))).toBe(false);
    await failure.first().scrollIntoViewIfNeeded();
    await session.app.screenshot('setup-weights-download-failed');
  }, 240_000);

  it('made no outside request and logged no error', () => {
    expect(session.app.foreignRequests).toEqual([]);
    expect(session.app.pageErrors).toEqual([]);
  });
});
