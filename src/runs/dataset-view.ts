/**
 * The clean view of a run's inputs. AUCMEDI takes every entry of a class folder as a sample
 * (aucmedi/data_processing/io_interfaces/io_directory.py: hidden files, notes and sub-folders
 * included), names the samples of a flat folder with the extension of the first file
 * (io_directory.py, io_csv.py: `x.jpeg` among PNGs is looked up as `x.j.png`), and reads the
 * annotation CSV with `sep=","` (io_csv.py). So a run never gets the user's folder as it is: the
 * dataset is mounted read-only at `/data/source`, and inside the container, before AUCMEDI starts,
 * a small Python step fills a tmpfs at the path AUCMEDI reads with one symbolic link per image the
 * scan accepted, named so that AUCMEDI finds it, and for the CSV interface AUCMEDI gets a
 * comma-separated copy of the annotations as the scan read them, naming those links.
 *
 * The links are made inside the container, so this works the same with Docker Desktop on Windows
 * and macOS (no host symlinks, no Developer Mode), and nothing in the user's folders is changed.
 * The list of links and the annotation copy are files in the run's output folder (`inputs/`), so a
 * run's second step, or a run reattached after a restart, finds them again.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { errorDetail, localizedException } from '../api/errors';
import { msg } from '../i18n/message';
import type { Annotations } from '../dataset/csv';
import type { ScannedDataset } from '../dataset/scan';
import type { UsedImage } from '../dataset/validate';
import { bind, CONTAINER_ANNOTATIONS_FILE, CONTAINER_DATASET_DIR, CONTAINER_PREDICTION_IMAGES_DIR } from '../aucmedi/arguments';

/** The user's dataset (or image folder), read-only, where the links point. */
export const CONTAINER_SOURCE_DIR = '/data/source';
/** The list of links of the current step, read-only. */
export const CONTAINER_VIEW_SPEC_FILE = '/data/inputs.json';
/** In the run's output folder: the lists of links per step and the annotation copy. */
export const INPUTS_DIR = 'inputs';
export const ANNOTATIONS_COPY_FILE = 'annotations.csv';

/**
 * AUCMEDI's image's entrypoint (its Dockerfile: `ENTRYPOINT ["aucmedi"]`), run by the view step
 * once the links are made; `exec` keeps AUCMEDI the container's PID 1, so stopping works as before.
 */
export const AUCMEDI_ENTRYPOINT = 'aucmedi';

/**
 * Makes the links of the spec (`argv[1]`), then becomes the command after it. Python: the one
 * interpreter every AUCMEDI image has. A staged run (src/runs/step-mounts.ts) first gets the folders
 * and links of its placement from AUCMEDI_DESK_PLACEMENT, taken out of the environment AUCMEDI sees.
 */
export const VIEW_STEP_SCRIPT = [
  'import json, os, sys',
  'placement = json.loads(os.environ.pop("AUCMEDI_DESK_PLACEMENT", "{}"))',
  'for folder in placement.get("dirs", []):',
  '    os.makedirs(folder, exist_ok=True)',
  'for name, target in placement.get("links", []):',
  '    if os.path.isdir(name) and not os.path.islink(name):',
  '        os.rmdir(name)',
  '    os.symlink(target, name)',
  'spec = json.load(open(sys.argv[1], encoding="utf-8"))',
  'for view in spec["views"]:',
  '    root, source = view["root"], view["source"]',
  '    for folder in view["dirs"]:',
  '        os.makedirs(os.path.join(root, folder), exist_ok=True)',
  '    for name, target in view["links"]:',
  '        os.symlink(os.path.join(source, target), os.path.join(root, name))',
  'os.execvp(sys.argv[2], sys.argv[2:])',
].join('\n');

/** The tmpfs AUCMEDI reads its view from: links only; a large cap because a long link target may take a page of its own. */
export const VIEW_TMPFS = 'rw,nosuid,nodev,noexec,size=512m,mode=1777';

export interface View {
  /** The container path AUCMEDI reads (a tmpfs). */
  root: string;
  source: string;
  /** Folders to create in the view ('/'-separated, relative to `root`): the class folders. */
  dirs: string[];
  /** [name in the view, path relative to the source], '/'-separated. */
  links: [string, string][];
}

export type Dims = '2D' | '3D';

/** Class folders as they are: `class/name` for every accepted image, every class folder made (AUCMEDI numbers the folders it finds). */
export function classFolderView(root: string, classes: readonly string[], images: readonly UsedImage[]): View {
  return { root, source: CONTAINER_SOURCE_DIR, dirs: [...classes], links: images.map((image) => [image.rel, image.rel]) };
}

/**
 * One flat folder in which every image has the same extension, as AUCMEDI's flat readers need:
 * 2D images are named `<sample>.png` whatever their format (PIL opens them by their content,
 * io_loader/image_loader.py), volumes keep their names (SimpleITK picks its reader by the
 * extension; the scan refuses volumes of several formats in one folder). Sample names are unique
 * (the scan refuses duplicates), so the names are.
 */
export function flatView(root: string, images: readonly UsedImage[], dims: Dims): View {
  return { root, source: CONTAINER_SOURCE_DIR, dirs: [], links: images.map((image) => [flatName(image, dims), image.rel]) };
}

export function flatName(image: UsedImage, dims: Dims): string {
  return dims === '2D' ? `${image.sample}.png` : image.name;
}

/**
 * The annotation file AUCMEDI gets: comma-separated, one line per image of the view, the sample
 * named with its extension (so pandas keeps it as text, and io_csv.py takes the names as they are),
 * the classes as the scan read them (single-label) or the one-hot columns in the file's order.
 */
export function annotationsCopy(annotations: Annotations, images: readonly UsedImage[], dims: Dims): string {
  const rowOf = new Map(annotations.rows.map((row) => [row.sample, row]));
  const lines = [annotations.oneHot ? ['SAMPLE', ...annotations.classes] : ['SAMPLE', 'CLASS']];
  for (const image of images) {
    const row = rowOf.get(image.name) ?? rowOf.get(image.sample);
    if (!row) continue;
    const labels = new Set(row.labels);
    const values = annotations.oneHot ? annotations.classes.map((_, i) => (labels.has(i) ? '1' : '0')) : [annotations.classes[row.labels[0]!]!];
    lines.push([flatName(image, dims), ...values]);
  }
  return lines.map((cells) => cells.map(csvCell).join(',')).join('\n') + '\n';
}

/** RFC 4180 quoting, which pandas reads. */
function csvCell(value: string): string {
  return /[",\r\n]/.test(value) || value !== value.trim() ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Writes the step's list of links into the output folder's `inputs/`; returns its host path. */
export function writeViewSpec(outputDir: string, step: string, views: View[]): string {
  return writeInput(outputDir, `${step}.json`, JSON.stringify({ views }));
}

export function writeAnnotationsCopy(outputDir: string, text: string): string {
  return writeInput(outputDir, ANNOTATIONS_COPY_FILE, text);
}

export function viewSpecFile(outputDir: string, step: string): string {
  return path.join(outputDir, INPUTS_DIR, `${step}.json`);
}

/** The names in the view of a step, as AUCMEDI saw them ('/'-separated), or null for a run without one. */
export async function readViewNames(outputDir: string, step: ViewStep): Promise<string[] | null> {
  const text = await readFile(viewSpecFile(outputDir, step), 'utf8').catch(() => null);
  if (text === null) return null;
  return (JSON.parse(text) as { views: View[] }).views.flatMap((view) => view.links.map(([name]) => name));
}

function writeInput(outputDir: string, name: string, text: string): string {
  const file = path.join(outputDir, INPUTS_DIR, name);
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text, { flag: 'wx' });
  } catch (error) {
    throw localizedException('OUTPUT_FOLDER_UNUSABLE', msg('runs:datasetView.listNotWritten'), msg('runs:datasetView.listNotWrittenAction'), errorDetail(error));
  }
  return file;
}

/** What the container of a step needs for its views: the source and spec mounts, the tmpfs, the entrypoint. */
export interface ViewMounts {
  binds: string[];
  tmpfs: Record<string, string>;
  entrypoint: string[];
}

/** Where the engine finds a path of this computer: the path itself, or its place on a shared folder (src/engine/path-mapping.ts). */
export type EnginePath = (hostPath: string) => string;
const asIs: EnginePath = (hostPath) => hostPath;

export function viewMounts(sourceHostDir: string, specHostFile: string, root: string): ViewMounts {
  return {
    binds: [bind(sourceHostDir, CONTAINER_SOURCE_DIR, true, 'dataset folder'), bind(specHostFile, CONTAINER_VIEW_SPEC_FILE, true, 'list of images')],
    tmpfs: { [root]: VIEW_TMPFS },
    entrypoint: ['python3', '-c', VIEW_STEP_SCRIPT, CONTAINER_VIEW_SPEC_FILE, AUCMEDI_ENTRYPOINT],
  };
}

// ---------------------------------------------------------------------------------------------
// Per step
// ---------------------------------------------------------------------------------------------

/** The steps a run's containers go through, each with its own list of links. */
export type ViewStep = 'training' | 'prediction' | 'evaluation';

/** Where AUCMEDI reads in each step (the paths of src/aucmedi/arguments.ts). */
export const STEP_ROOT: Record<ViewStep, string> = { training: CONTAINER_DATASET_DIR, prediction: CONTAINER_PREDICTION_IMAGES_DIR, evaluation: CONTAINER_DATASET_DIR };

export interface ScannedInputs {
  classes: readonly string[];
  images: readonly UsedImage[];
  annotations: Annotations | null;
  dims: Dims;
}

/** What a scan found, as the views need it (the scan had no errors). */
export function scannedInputs(scanned: ScannedDataset): ScannedInputs {
  const { report } = scanned;
  return { classes: report.classes.map((c) => c.name), images: scanned.images(), annotations: scanned.annotations, dims: report.dimensionality === '3D' ? '3D' : '2D' };
}

/**
 * Writes the lists of links (and the annotation copy) a run's steps need into its output folder:
 * a training reads its set as AUCMEDI's interface does (class folders, or a flat folder with the
 * copy); a prediction a flat folder; an evaluation predicts the set as one flat folder, then
 * scores it read as for training.
 */
export function prepareInputs(outputDir: string, mode: 'training' | 'prediction' | 'evaluation', inputs: ScannedInputs): void {
  const labelled = (step: ViewStep): View =>
    inputs.annotations ? flatView(STEP_ROOT[step], inputs.images, inputs.dims) : classFolderView(STEP_ROOT[step], inputs.classes, inputs.images);
  if (inputs.annotations) writeAnnotationsCopy(outputDir, annotationsCopy(inputs.annotations, inputs.images, inputs.dims));
  if (mode === 'training') writeViewSpec(outputDir, 'training', [labelled('training')]);
  else {
    writeViewSpec(outputDir, 'prediction', [flatView(STEP_ROOT.prediction, inputs.images, inputs.dims)]);
    if (mode === 'evaluation') writeViewSpec(outputDir, 'evaluation', [labelled('evaluation')]);
  }
}

/** The mounts of a step's view: the source read-only, the list of links, a tmpfs where AUCMEDI reads, and the annotation copy. */
export function stepViewMounts(outputDir: string, step: ViewStep, sourceHostDir: string, withAnnotations: boolean, where: EnginePath = asIs): ViewMounts {
  const mounts = viewMounts(where(sourceHostDir), where(viewSpecFile(outputDir, step)), STEP_ROOT[step]);
  if (withAnnotations && step !== 'prediction') mounts.binds.push(bind(where(path.join(outputDir, INPUTS_DIR, ANNOTATIONS_COPY_FILE)), CONTAINER_ANNOTATIONS_FILE, true, 'annotation file'));
  return mounts;
}
