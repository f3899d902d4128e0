import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseYaml, ROOT } from './builder-config';

// The release workflow cannot run here (no Electron download, no hosted runners); this checks what it says.
const workflow = parseYaml(readFileSync(path.join(ROOT, '.github/workflows/release.yml'), 'utf8')) as {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: Record<string, { strategy: { matrix: { include: { os: string; target: string; files: string }[] } }; steps: { uses?: string; run?: string; with?: Record<string, unknown> }[] }>;
};
const job = workflow.jobs.installers!;
const runs = job.steps.map((step) => step.run ?? '');

describe('the release workflow (.github/workflows/release.yml)', () => {
  it('builds on Windows, Linux and macOS runners, each its own installers', () => {
    expect(job.strategy.matrix.include.map(({ os, target }) => [os, target])).toEqual([
      ['windows-latest', '--win nsis'],
      ['ubuntu-latest', '--linux AppImage deb'],
      ['macos-latest', '--mac dmg'],
    ]);
  });

  it('checks out, sets up Node 20, installs from the lockfile, builds, checks the packaging, then packages without publishing', () => {
    expect(job.steps[0]!.uses).toMatch(/^actions\/checkout@/);
    expect(job.steps[1]).toMatchObject({ uses: expect.stringMatching(/^actions\/setup-node@/), with: { 'node-version': 20 } });
    const order = ['npm ci', 'npm run build', 'npx vitest run test/unit/packaging', 'npx electron-builder ${{ matrix.target }} --publish never'];
    expect(order.map((command) => runs.indexOf(command))).toEqual([2, 3, 4, 5]);
    expect(runs.join('\n')).not.toMatch(/--publish (always|onTag|onTagOrDraft)|GH_TOKEN|electron-updater/);
  });

  it('uploads the installers with their checksums, and may only read the repository', () => {
    const upload = job.steps.at(-1)!;
    expect(upload.uses).toMatch(/^actions\/upload-artifact@/);
    expect(upload.with).toMatchObject({ 'if-no-files-found': 'error', path: expect.stringContaining('SHA256SUMS') });
    expect(workflow.permissions).toEqual({ contents: 'read' });
  });
});

describe('the packaged-app smoke job', () => {
  const smoke = (workflow.jobs as unknown as Record<string, { strategy: { matrix: { include: { os: string; smoke: string }[] } }; steps: { run?: string }[] }>)['electron-smoke']!;
  const steps = smoke.steps.map((step) => step.run ?? '');

  it('launches the unpacked app on each hosted OS, with no engine and, on Linux, with Docker', () => {
    const matrix = smoke.strategy.matrix.include;
    expect(matrix.map(({ os }) => os)).toEqual(['windows-latest', 'ubuntu-latest', 'macos-latest']);
    for (const { smoke: command } of matrix) expect(command).toContain('test/electron-smoke/smoke.ts --engine none');
    expect(matrix.find(({ os }) => os === 'ubuntu-latest')!.smoke).toMatch(/xvfb-run -a .*--engine docker/);
    expect(steps.indexOf('npx electron-builder --dir --publish never')).toBeGreaterThan(steps.indexOf('npm run build'));
    expect(steps.indexOf('${{ matrix.smoke }}')).toBeGreaterThan(steps.indexOf('npx electron-builder --dir --publish never'));
  });
});
