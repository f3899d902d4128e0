import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseYaml, ROOT } from './builder-config';

/*
 * The reproducible AUCMEDI image (docker/aucmedi/) and its workflow cannot be built here (no registry,
 * no PyPI); this checks what they say.
 */

/** Dockerfile instructions: comments dropped, `\` continuations joined, `[keyword, rest]`. */
function instructions(text: string): [string, string][] {
  const joined = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [keyword, ...rest] = line.split(/\s+/);
      return [keyword!.toUpperCase(), rest.join(' ')];
    });
}

const dir = path.join(ROOT, 'docker/aucmedi');
const dockerfile = instructions(readFileSync(path.join(dir, 'Dockerfile'), 'utf8'));
const of = (keyword: string) => dockerfile.filter(([k]) => k === keyword).map(([, rest]) => rest);
const requirements = readFileSync(path.join(dir, 'requirements.txt'), 'utf8')
  .split('\n')
  .map((line) => line.replace(/#.*/, '').trim())
  .filter(Boolean);

/** AUCMEDI 0.11.0's requirements.txt (frankkramer-lab/aucmedi, commit 5767a3a), every pin. */
const AUCMEDI_PINS = [
  'tensorflow==2.15.1',
  'numpy==1.23.5',
  'pillow==10.2.0',
  'albumentations==1.3.0',
  'pandas==1.5.2',
  'scikit-learn==1.3.0',
  'scikit-image==0.21.0',
  'lime==0.2.0.1',
  'pooch==1.6.0',
  'classification-models-3D==1.0.10',
  'Keras-Applications==1.0.8',
  'SimpleITK==2.2.0',
  'batchgenerators==0.25',
  'volumentations-aucmedi==1.0.1',
  'plotnine==0.12.4',
  'pathos==0.3.0',
];

describe('docker/aucmedi/Dockerfile', () => {
  it('starts from one base pinned by tag and digest, never "latest"', () => {
    const from = of('FROM');
    expect(from).toHaveLength(1);
    expect(from[0]).toMatch(/^[\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}$/);
    expect(from[0]).not.toMatch(/:latest\b/);
    expect(of('ARG')).toEqual([]); // no build argument can swap the base or the versions
    expect(readFileSync(path.join(dir, 'Dockerfile'), 'utf8').replace(/^#.*$/gm, '')).not.toMatch(/latest/);
  });

  it('installs exactly AUCMEDI 0.11.0’s pinned requirements, then AUCMEDI 0.11.0 without resolving again', () => {
    expect(requirements).toEqual(AUCMEDI_PINS);
    expect(of('COPY')).toContain('requirements.txt /opt/aucmedi/requirements.txt');
    const run = of('RUN').join('\n');
    expect(run).toContain('pip install -r /opt/aucmedi/requirements.txt');
    expect(run).toMatch(/pip install --no-deps aucmedi==0\.11\.0(\s|$)/);
    expect(run).toContain('pip check');
    // every pip install names a file of pins or an exact version
    for (const install of run.match(/pip install [^&]*/g) ?? []) expect(install, install).toMatch(/-r \/opt\/aucmedi\/requirements\.txt|==\d/);
    // the build checks what the `aucmedi` command imports and the versions it promises
    expect(run).toContain('import aucmedi.automl.main, classification_models_3D.tfkeras');
    expect(run).toContain("tf.__version__ == '2.15.1'");
  });

  it('runs as a non-root user, with AUCMEDI’s entrypoint and working folder, and nothing to fetch at run time', () => {
    const user = of('USER');
    expect(user).toHaveLength(1);
    expect(user[0]).not.toMatch(/^(root|0)(:|$)/);
    // USER comes after the last RUN: nothing installs as that user, and nothing after it as root
    const lastRun = dockerfile.map(([k]) => k).lastIndexOf('RUN');
    expect(dockerfile.findIndex(([k]) => k === 'USER')).toBeGreaterThan(lastRun);
    expect(of('ENTRYPOINT')).toEqual(['["aucmedi"]']);
    expect(of('WORKDIR')).toEqual(['/data']);
    expect(of('VOLUME')).toEqual(['["/data"]']);
    expect(of('CMD')).toEqual([]);
    // no pip, apt or download where the image runs: the entrypoint is AUCMEDI itself
    expect(of('ENTRYPOINT').join(' ')).not.toMatch(/pip|apt|curl|wget|sh\b/);
  });
});

describe('the aucmedi-image workflow (.github/workflows/aucmedi-image.yml)', () => {
  const workflow = parseYaml(readFileSync(path.join(ROOT, '.github/workflows/aucmedi-image.yml'), 'utf8')) as {
    on: Record<string, unknown>;
    permissions: Record<string, string>;
    env: Record<string, string>;
    jobs: Record<string, { 'runs-on': string; steps: { name?: string; uses?: string; run?: string; with?: Record<string, unknown> }[] }>;
  };
  const job = workflow.jobs.image!;
  const runs = job.steps.map((step) => step.run ?? '').join('\n');

  it('builds docker/aucmedi on a hosted runner, by hand or on a version tag, and may only read the repository', () => {
    expect(job['runs-on']).toBe('ubuntu-latest');
    expect(Object.keys(workflow.on).sort()).toEqual(['push', 'workflow_dispatch']);
    expect(workflow.permissions).toEqual({ contents: 'read' });
    expect(job.steps[0]!.uses).toMatch(/^actions\/checkout@/);
    expect(runs).toContain('docker build --pull -t "$IMAGE" docker/aucmedi');
    expect(workflow.env.IMAGE).toBe('aucmedi-desk/aucmedi:0.11.0');
    expect(runs).not.toMatch(/docker (push|login)|GITHUB_TOKEN|ghcr\.io/);
  });

  it('runs the app’s image check on it and wants the pinned versions', () => {
    expect(runs).toContain('node dist/cli/aucmedi-desk.mjs image list --json');
    for (const want of ['aucmedi: "0.11.0"', 'tensorflow: "2.15.1"', 'kerasGeneration: 2', 'classificationModels3D: "1.0.10"', 'state: "ok"']) expect(runs).toContain(want);
    expect(runs).toContain('--network none');
  });

  it('keeps aucmedi.tar and aucmedi.tar.sha256 (sha256sum’s format, which the app checks while loading) as artifacts', () => {
    expect(runs).toContain('docker save -o aucmedi.tar "$IMAGE"');
    expect(runs).toContain('sha256sum aucmedi.tar > aucmedi.tar.sha256');
    const upload = job.steps.at(-1)!;
    expect(upload.uses).toMatch(/^actions\/upload-artifact@/);
    expect(upload.with).toMatchObject({ 'if-no-files-found': 'error' });
    expect(String(upload.with!.path).split('\n').map((line) => line.trim()).filter(Boolean)).toEqual(expect.arrayContaining(['aucmedi.tar', 'aucmedi.tar.sha256']));
  });
});
