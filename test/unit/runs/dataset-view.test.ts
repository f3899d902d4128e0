import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAnnotations } from '../../../src/dataset/csv';
import type { UsedImage } from '../../../src/dataset/validate';
import { annotationsCopy, classFolderView, flatView, VIEW_STEP_SCRIPT, viewMounts } from '../../../src/runs/dataset-view';
import { tempDir } from '../../helpers/temp';

const image = (rel: string, format: string): UsedImage => {
  const name = rel.split('/').pop()!;
  const sample = format === 'nii.gz' ? name.slice(0, -7) : name.slice(0, name.lastIndexOf('.'));
  return { rel, name, sample };
};

describe('the clean view of a run’s inputs', () => {
  it('class folders keep their names; a flat folder names every 2D image <sample>.png, volumes keep theirs', () => {
    const images = [image('a/x.png', 'png'), image('b/y.jpeg', 'jpeg')];
    expect(classFolderView('/data/training', ['a', 'b', 'c'], images)).toEqual({ root: '/data/training', source: '/data/source', dirs: ['a', 'b', 'c'], links: [['a/x.png', 'a/x.png'], ['b/y.jpeg', 'b/y.jpeg']] });
    expect(flatView('/data/test', images, '2D').links).toEqual([['x.png', 'a/x.png'], ['y.png', 'b/y.jpeg']]);
    expect(flatView('/data/test', [image('v.nii.gz', 'nii.gz')], '3D').links).toEqual([['v.nii.gz', 'v.nii.gz']]);
  });

  it("writes the annotations comma-separated, samples with the view's names, values quoted where pandas needs it", () => {
    const annotations = readAnnotations('SAMPLE;CLASS\nx;benign, early\ny;"malignant"\nz;benign, early\n', { ohe: false, fileName: 'l.csv' });
    const text = annotationsCopy(annotations, [image('x.jpg', 'jpeg'), image('y.png', 'png')], '2D');
    expect(text).toBe('SAMPLE,CLASS\nx.png,"benign, early"\ny.png,malignant\n');
    const oneHot = readAnnotations('SAMPLE,a,b\nx,1,0\ny,1,1\n', { ohe: true, fileName: 'o.csv' });
    expect(annotationsCopy(oneHot, [image('x.png', 'png'), image('y.png', 'png')], '2D')).toBe('SAMPLE,a,b\nx.png,1,0\ny.png,1,1\n');
  });

  it('the view step makes the links and then becomes the command after the spec (run here with python3)', () => {
    const dir = tempDir('aucmedi-view-step-');
    const spec = path.join(dir, 'spec.json');
    const root = path.join(dir, 'view');
    mkdirSync(root);
    writeFileSync(spec, JSON.stringify({ views: [{ root, source: '/data/source', dirs: ['a', 'empty'], links: [['a/x.png', 'a/x.png']] }] }));
    const out = execFileSync('python3', ['-c', VIEW_STEP_SCRIPT, spec, 'sh', '-c', 'echo ran "$0"', 'arg'], { encoding: 'utf8' });
    expect(out.trim()).toBe('ran arg');
    expect(lstatSync(path.join(root, 'a', 'x.png')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(path.join(root, 'a', 'x.png'))).toBe('/data/source/a/x.png');
    expect(lstatSync(path.join(root, 'empty')).isDirectory()).toBe(true);
    expect(readFileSync(spec, 'utf8')).toContain('a/x.png');
  });

  it('mounts the source and the list read-only, the view as a tmpfs, and runs AUCMEDI after the view step', () => {
    const mounts = viewMounts('/home/u/set', '/home/u/out/inputs/training.json', '/data/training');
    expect(mounts.binds).toEqual(['/home/u/set:/data/source:ro', '/home/u/out/inputs/training.json:/data/inputs.json:ro']);
    expect(Object.keys(mounts.tmpfs)).toEqual(['/data/training']);
    expect(mounts.entrypoint).toEqual(['python3', '-c', VIEW_STEP_SCRIPT, '/data/inputs.json', 'aucmedi']);
  });
});
