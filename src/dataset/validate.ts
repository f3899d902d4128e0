/**
 * Validation: consumes what the walk finds, file by file as batches arrive (so the work is spread
 * over the scan), and at the end turns it into classes, counts, 2D/3D and the problems a clinician
 * reads: errors where AUCMEDI would fail or learn nonsense, warnings where it works but they
 * should know.
 */
import type { DatasetClass, DatasetDimensionality, DatasetInterface, DatasetProblem, DatasetReport } from '../api/dataset';
import { CONVERSION_SETTINGS_FILE } from '../api/dicom';
import type { Annotations } from './csv';
import { isHiddenOrSystem, joinRel, splitName, VOLUME_COMPANION_EXTENSIONS } from './names';
import { pandasColumn } from './pandas';
import { msg, type Message } from '../i18n/message';
import { Bucket, compareNames, joinMessages, MAX_LISTED_FILES, problem, sortProblems } from './problems';
import { EXPECTED_SIGNATURE, SIGNATURE_DIMS, SIGNATURE_NAMES, sniff, type Signature } from './signatures';
import type { FolderRole, WalkFile, WalkVisitor } from './walk';

/** Fewer images than this in a class is a warning. */
export const SMALL_CLASS_IMAGES = 10;
/** Largest class / smallest class above this is a warning. */
export const IMBALANCE_RATIO = 10;
/** Largest image area / smallest image area above this is a warning. */
export const SIZE_RATIO = 16;
/** Preview images per class. */
export const SAMPLES_PER_CLASS = 4;

export interface ValidationOptions {
  interface: DatasetInterface;
  /** The parsed annotation CSV (CSV interface). */
  annotations: Annotations | null;
  /** The annotation file's path relative to the dataset when it lies inside it. */
  annotationRel: string | null;
  /** The annotation file's name, as CSV lines are cited (`labels.csv:12`). */
  annotationName?: string;
  /** A labelled set to score a model on, not to train one: see `DatasetScanRequest.purpose`. */
  evaluation?: boolean;
}

export type ValidationResult = Pick<DatasetReport, 'dimensionality' | 'multiLabel' | 'classes' | 'totalImages' | 'totalBytes' | 'leftOut' | 'formats' | 'dicomFiles' | 'problems' | 'samples'>;

/** One image AUCMEDI will get: its path relative to the dataset folder ('/'-separated) and its format. */
export interface UsedImage {
  rel: string;
  name: string;
  /** The sample name: the name without its image extension. */
  sample: string;
}

/**
 * Formats the scan recognises but AUCMEDI's AutoML cannot load in every mode: its 2D loader is PIL
 * and its 3D loader SimpleITK by extension, and prediction and the CSV interface pick files by the
 * extensions of aucmedi/data_processing/io_data.py ACCEPTABLE_IMAGE_FORMATS (jpeg, jpg, tif, tiff,
 * png, bmp, gif, npy, nii, gz, mha). A format that fails in one mode is refused in all, so that a
 * dataset that trains can also be predicted and evaluated.
 */
const UNSUPPORTED_FORMATS: Record<string, Message> = {
  webp: msg('dataset:format.webp'),
  mhd: msg('dataset:format.mhd'),
  nrrd: msg('dataset:format.nrrd'),
  dcm: msg('dataset:format.dcm'),
  'dcm-series': msg('dataset:format.dcmSeries'),
};

interface ClassFolder {
  count: number;
  /** Names of the first images in the folder. */
  samples: string[];
  unreadable: boolean;
}

interface Series {
  dicom: number;
  other: number;
  bytes: number;
}

const FILE_ERRORS: Record<string, Message> = {
  EACCES: msg('dataset:reason.permissionDenied'),
  EPERM: msg('dataset:reason.permissionDenied'),
  ENOENT: msg('dataset:reason.disappeared'),
  EIO: msg('dataset:reason.io'),
  EBUSY: msg('dataset:reason.busy'),
};

export class DatasetValidator implements WalkVisitor {
  private readonly imageDepth: number;
  private readonly classFolders = new Map<string, ClassFolder>();
  private readonly hiddenClassFolders = new Bucket();
  private readonly unreadableFolders = new Bucket();
  private readonly folderErrors = new Set<string>();
  private readonly hidden = new Bucket();
  private readonly links = new Bucket();
  private linksOutside = 0;
  private readonly nested = new Bucket();
  private readonly ignored = new Bucket();
  /** FIFOs, sockets, devices: never opened, never given to a container (opening a FIFO blocks). */
  private readonly specialFiles = new Bucket();
  private readonly outsideClasses = new Bucket();
  private readonly withoutExtension = new Bucket();
  /** Files with the DICOM preamble, wherever they were probed: the Dataset page offers to convert them. */
  private dicomFiles = 0;
  private readonly unreadable = new Bucket();
  private readonly fileErrors = new Set<string>();
  private readonly notImages = new Bucket();
  private readonly formatMismatch = new Bucket();
  private readonly extensionMismatch = new Bucket();
  private readonly companions: { rel: string; key: string; size: number }[] = [];
  private readonly metaHeaders = new Set<string>();
  private readonly series = new Map<string, Series>();
  /**
   * Every image by index: its name (a file, or a DICOM series folder), its 2D pixel size (0 where not
   * known) and, in runs, its folder. Paths are joined only for the few images a problem lists. Kept
   * lean on purpose: with 100 000 images, every growing per-image list or string costs the main
   * thread time and memory.
   */
  private readonly imageNames: string[] = [];
  private readonly widths = new Uint32List();
  private readonly heights = new Uint32List();
  /** Each image's format, as an index into `formatNames`. */
  private readonly imageFormats = new Uint32List();
  private readonly formatNames: string[] = [];
  private lastFormatIndex = 0;
  /** The folder of the images from `start` on (images arrive batch by batch, each from one folder). */
  private readonly imageFolders: { start: number; dir: string }[] = [];
  /**
   * The sample name of every image, to find duplicates at the end: sorting them once (they come mostly
   * in order) costs far less than keeping a Set of 100 000 names, whose lookups land all over memory.
   */
  private readonly samples: string[] = [];
  /** Indices of the 3D images; the others are 2D. */
  private readonly images3D: number[] = [];
  private readonly formats = new Map<string, number>();
  private totalImages = 0;
  private totalBytes = 0;
  // CSV interface
  private readonly sampleRows = new Map<string, number>();
  private readonly rowFiles: (string | undefined)[] = [];
  private readonly notInCsv = new Bucket();
  // images to classify
  private flatSamples: string[] = [];
  // the class folder of the last image (images arrive folder by folder)
  private lastDir: string | null = null;
  private lastFolder: ClassFolder | undefined;
  /** The annotation file's name when it lies inside the dataset, so that only files of that name need their path compared. */
  private readonly annotationFile: string | null;

  constructor(private readonly options: ValidationOptions) {
    this.imageDepth = options.interface === 'directory' ? 1 : 0;
    options.annotations?.rows.forEach((row, index) => this.sampleRows.set(row.sample, index));
    const rel = options.annotationRel;
    this.annotationFile = rel === null ? null : rel.slice(rel.lastIndexOf('/') + 1);
  }

  folder(rel: string, depth: number, role: FolderRole): void {
    if (role === 'hidden') {
      if (depth === 1 && this.imageDepth === 1) this.hiddenClassFolders.add(rel);
      else this.hidden.add(`${rel}/`);
    } else if (role === 'images') this.classFolders.set(rel, { count: 0, samples: [], unreadable: false });
    else if (role === 'nested') this.nested.add(rel);
    else this.series.set(rel, { dicom: 0, other: 0, bytes: 0 });
  }

  link(rel: string, _depth: number, outside: boolean): void {
    this.links.add(rel);
    if (outside) this.linksOutside += 1;
  }

  special(rel: string): void {
    this.specialFiles.add(rel);
  }

  hiddenFile(rel: string): void {
    this.hidden.add(rel);
  }

  unreadableFolder(rel: string, code: string): void {
    this.unreadableFolders.add(rel);
    this.folderErrors.add(code);
    const folder = this.classFolders.get(rel);
    if (folder) folder.unreadable = true;
    this.series.delete(rel);
  }

  file(file: WalkFile): void {
    const { name, depth } = file;
    if (name === this.annotationFile && file.rel === this.options.annotationRel) return;
    const parts = splitName(name);
    const hidden = isHiddenOrSystem(name, false);
    if (hidden) this.hidden.add(file.rel);
    // hidden files stay out of everything: the clean view a run gets leaves them out, even when named like images
    if (hidden) return;

    if (file.error) {
      this.unreadable.add(file.rel);
      this.fileErrors.add(file.error);
      return;
    }
    const sniffed = sniff(file.heads, file.headLength, file.headStart);
    if (sniffed?.signature === 'dicom') this.dicomFiles += 1;

    if (depth > this.imageDepth) {
      // a file of a DICOM series candidate
      const series = this.series.get(file.dir);
      if (!series) return;
      series.bytes += file.size;
      if (sniffed?.signature === 'dicom') series.dicom += 1;
      else series.other += 1;
      return;
    }
    if (depth < this.imageDepth) {
      if (file.rel === CONVERSION_SETTINGS_FILE) return; // the app's own note of how a DICOM folder became this dataset
      if (parts.format !== null || sniffed !== null) this.outsideClasses.add(file.rel);
      else this.ignored.add(file.rel);
      return;
    }
    if (parts.format === null) {
      if (VOLUME_COMPANION_EXTENSIONS.has(parts.ext)) this.companions.push({ rel: file.rel, key: `${file.dir}/${parts.base}`, size: file.size });
      else if (sniffed !== null) this.withoutExtension.add(`${file.rel} (${SIGNATURE_NAMES[sniffed.signature]})`);
      else this.ignored.add(file.rel);
      return;
    }
    if (sniffed === null) {
      this.notImages.add(file.rel);
      return;
    }
    const expected = EXPECTED_SIGNATURE[parts.format];
    if (sniffed.signature !== expected) {
      const contentDims = SIGNATURE_DIMS[sniffed.signature];
      if (contentDims === '2D' && SIGNATURE_DIMS[EXPECTED_SIGNATURE[parts.format]] === '2D') {
        this.extensionMismatch.add(`${file.rel} (${SIGNATURE_NAMES[sniffed.signature]})`);
      } else {
        this.formatMismatch.add(`${file.rel} (${SIGNATURE_NAMES[sniffed.signature]})`);
        return;
      }
    }
    if (parts.format === 'mhd') this.metaHeaders.add(`${file.dir}/${parts.base}`);
    this.addImage(file.dir, name, parts.base, parts.format, SIGNATURE_DIMS[sniffed.signature as Signature], file.size, sniffed.width ?? 0, sniffed.height ?? 0);
  }

  /** Counts an image: `name` in the folder `dir`. */
  private addImage(dir: string, name: string, sample: string, format: string, dims: '2D' | '3D', size: number, width = 0, height = 0): void {
    const image = this.imageNames.length;
    this.imageNames.push(name);
    this.widths.push(width);
    this.heights.push(height);
    // nearly every image has the format of the one before: no search then
    if (format !== this.formatNames[this.lastFormatIndex]) {
      this.lastFormatIndex = this.formatNames.indexOf(format);
      if (this.lastFormatIndex < 0) this.lastFormatIndex = this.formatNames.push(format) - 1;
    }
    this.imageFormats.push(this.lastFormatIndex);
    const folders = this.imageFolders;
    if (folders.length === 0 || folders[folders.length - 1]!.dir !== dir) folders.push({ start: image, dir });
    if (dims === '3D') this.images3D.push(image);
    this.totalImages += 1;
    this.totalBytes += size;
    this.formats.set(format, (this.formats.get(format) ?? 0) + 1);
    this.samples.push(sample);

    if (this.options.interface === 'directory') {
      // the images of a class are directly in its folder (a DICOM series is a folder there): `dir` is the class
      if (dir !== this.lastDir) {
        this.lastDir = dir;
        this.lastFolder = this.classFolders.get(dir);
      }
      const folder = this.lastFolder;
      if (!folder) return;
      folder.count += 1;
      folder.samples = keepSmallest(folder.samples, name);
      return;
    }
    // the other interfaces read one folder, the dataset folder itself: `dir` is '' and paths are names
    if (this.options.interface === 'images') {
      this.flatSamples = keepSmallest(this.flatSamples, name);
      return;
    }
    const row = this.sampleRows.get(name) ?? this.sampleRows.get(sample);
    if (row === undefined) this.notInCsv.add(joinRel(dir, name));
    else {
      // two files for one sample (a.png and a.jpg) are reported as duplicate names
      const known = this.rowFiles[row];
      const rel = joinRel(dir, name);
      if (known === undefined || compareNames(rel, known) < 0) this.rowFiles[row] = rel;
    }
  }

  /** The sample names given to more than one image. */
  private duplicateSamples(): Set<string> {
    const sorted = this.samples.sort();
    const duplicates = new Set<string>();
    for (let i = 1; i < sorted.length; i++) if (sorted[i] === sorted[i - 1]) duplicates.add(sorted[i]!);
    return duplicates;
  }

  private imageRel(image: number): string {
    // the last folder run starting at or before `image`
    const folders = this.imageFolders;
    let low = 0;
    let high = folders.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (folders[middle]!.start <= image) low = middle;
      else high = middle - 1;
    }
    return joinRel(folders[low]!.dir, this.imageNames[image]!);
  }

  /**
   * The images a run gives AUCMEDI, in the order they were found (call after `finish`): in the CSV
   * interface only those the annotation file lists.
   */
  usedImages(): UsedImage[] {
    const images: UsedImage[] = [];
    const csv = this.options.interface === 'csv';
    for (let folder = 0; folder < this.imageFolders.length; folder++) {
      const { start, dir } = this.imageFolders[folder]!;
      const end = this.imageFolders[folder + 1]?.start ?? this.imageNames.length;
      for (let image = start; image < end; image++) {
        const name = this.imageNames[image]!;
        const format = this.formatNames[this.imageFormats.at(image)]!;
        const rel = joinRel(dir, name);
        const sample = format === 'dcm-series' ? name : splitName(name).base;
        if (csv) {
          const row = this.sampleRows.get(name) ?? this.sampleRows.get(sample);
          if (row === undefined || this.rowFiles[row] !== rel) continue;
        }
        images.push({ rel, name, sample });
      }
    }
    return images;
  }

  /** The images of the formats in `formats`, as relative paths in name order. */
  private imagesOfFormats(formats: readonly string[]): string[] {
    const wanted = new Set(formats.map((f) => this.formatNames.indexOf(f)));
    const rels: string[] = [];
    for (let image = 0; image < this.imageNames.length; image++) if (wanted.has(this.imageFormats.at(image))) rels.push(this.imageRel(image));
    return rels.sort(compareNames);
  }

  finish(): ValidationResult {
    const problems: DatasetProblem[] = [];
    const csv = this.options.interface === 'csv';
    const annotations = this.options.annotations;

    // DICOM series become one 3D image each; other folders below the image folders are ignored
    for (const [rel, series] of [...this.series].sort(([a], [b]) => compareNames(a, b))) {
      if (series.dicom > 0 && series.other === 0) {
        const slash = rel.lastIndexOf('/');
        this.addImage(slash < 0 ? '' : rel.slice(0, slash), rel.slice(slash + 1), rel.slice(slash + 1), 'dcm-series', '3D', series.bytes);
      } else this.nested.add(rel);
    }
    for (const companion of this.companions) {
      if (this.metaHeaders.has(companion.key)) this.totalBytes += companion.size;
      else this.ignored.add(companion.rel);
    }

    // classes
    let classes: DatasetClass[] = [];
    const samples: Record<string, string[]> = {};
    const toClassify = this.options.interface === 'images';
    if (toClassify) {
      samples.images = this.flatSamples;
      if (this.totalImages === 0) {
        problems.push(problem('error', 'NO_IMAGES', msg('dataset:noImages.message'), msg('dataset:noImages.action'), [], 0));
      }
    } else if (!csv) {
      const names = [...this.classFolders.keys()].sort(compareNames);
      classes = names.map((name) => ({ name, count: this.classFolders.get(name)!.count }));
      for (const name of names) samples[name] = this.classFolders.get(name)!.samples.map((sample) => `${name}/${sample}`);
    } else if (annotations && !annotations.unusable) {
      const counts = annotations.classes.map(() => 0);
      const picks: string[][] = annotations.classes.map(() => []);
      annotations.rows.forEach((row, index) => {
        for (const label of row.labels) {
          counts[label]! += 1;
          const file = this.rowFiles[index];
          if (file !== undefined) picks[label] = keepSmallest(picks[label]!, file);
        }
      });
      classes = annotations.classes.map((name, i) => ({ name, count: counts[i]! }));
      annotations.classes.forEach((name, i) => (samples[name] = picks[i]!));
    }
    if (annotations) problems.push(...annotations.problems);
    const classLabel = (name: string) => (csv ? name : `${name}/`);
    const classesChecked = !toClassify && (!csv || (annotations !== null && !annotations.unusable));

    // errors
    const evaluation = this.options.evaluation === true;
    if (classesChecked) {
      const withImages = classes.filter((c) => c.count > 0);
      // a labelled set may lack images of a class (the model's classes are checked at the start); training may not
      if (withImages.length < (evaluation ? 1 : 2)) problems.push(this.tooFewClasses(classes, withImages));
      const empty = classes.filter((c) => c.count === 0 && !this.classFolders.get(c.name)?.unreadable);
      if (empty.length > 0 && classes.length > 0) {
        const first = empty[0]!.name;
        const count = empty.length;
        const what = csv ? msg('dataset:emptyClass.what.csv', { count, name: first }) : msg('dataset:emptyClass.what.folder', { count, name: first });
        // A one-hot column of zeros scores (io_csv.py takes the columns as they are); an empty class folder
        // does not: io_directory.py makes the labels with pd.get_dummies, which gives it no column, and
        // block_eval.py's pd.DataFrame(class_ohe, columns=class_names) fails ("Shape of passed values").
        problems.push(
          problem(
            evaluation && csv ? 'warning' : 'error',
            'EMPTY_CLASS',
            !evaluation
              ? msg('dataset:emptyClass.message.training', { what })
              : csv
                ? msg('dataset:emptyClass.message.evaluationCsv', { what, count })
                : msg('dataset:emptyClass.message.evaluationFolder', { what }),
            evaluation
              ? csv
                ? msg('dataset:emptyClass.action.evaluationCsv')
                : msg('dataset:emptyClass.action.evaluationFolder', { count })
              : csv
                ? msg('dataset:emptyClass.action.csv')
                : msg('dataset:emptyClass.action.folder'),
            empty.map((c) => classLabel(c.name)),
          ),
        );
      }
    }
    if (this.hiddenClassFolders.size > 0) {
      const items = this.hiddenClassFolders.first(1000);
      problems.push(
        problem(
          'warning',
          'HIDDEN_CLASS_FOLDER',
          msg('dataset:hiddenClassFolder.message', { count: items.length, name: items[0]! }),
          msg('dataset:hiddenClassFolder.action'),
          items.map((f) => `${f}/`),
        ),
      );
    }
    const duplicateNames = this.duplicateSamples();
    const groups = new Map<string, string[]>();
    if (duplicateNames.size > 0) {
      for (let image = 0; image < this.imageNames.length; image++) {
        const name = sampleName(this.imageNames[image]!);
        if (!duplicateNames.has(name)) continue;
        const group = groups.get(name) ?? [];
        group.push(this.imageRel(image));
        groups.set(name, group);
      }
    }
    const duplicates = [...groups.values()];
    if (duplicates.length > 0) {
      const files = duplicates.flat().sort(compareNames);
      const acrossClasses = !csv && duplicates.every((group) => new Set(group.map((f) => f.split('/')[0])).size === group.length);
      problems.push(
        problem(
          'error',
          'DUPLICATE_NAMES',
          acrossClasses
            ? msg('dataset:duplicateNames.acrossClasses', { count: duplicates.length })
            : msg('dataset:duplicateNames.anywhere', { count: duplicates.length }),
          msg('dataset:duplicateNames.action'),
          files,
        ),
      );
    }
    if (csv && annotations && !annotations.unusable) {
      const missing = annotations.rows.flatMap((row, i) => (this.rowFiles[i] === undefined ? [`${this.annotationName()}:${row.line}: ${row.sample}`] : []));
      if (missing.length > 0) {
        problems.push(
          problem(
            'error',
            'CSV_MISSING_FILE',
            msg('dataset:csvMissingFile.message', { count: missing.length }),
            msg('dataset:csvMissingFile.action'),
            missing,
          ),
        );
      }
      if (this.notInCsv.size > 0) {
        problems.push(
          problem(
            'warning',
            'FILE_NOT_IN_CSV',
            msg('dataset:fileNotInCsv.message', { count: this.notInCsv.size }),
            msg('dataset:fileNotInCsv.action'),
            this.notInCsv.first(),
          this.notInCsv.size,
          ),
        );
      }
    }
    if (this.unreadableFolders.size > 0) {
      const items = this.unreadableFolders.first(1000);
      problems.push(
        problem(
          'error',
          'UNREADABLE_FOLDER',
          msg('dataset:unreadableFolder.message', { count: items.length, name: items[0]!, reasons: reasons(this.folderErrors) }),
          msg('dataset:unreadableFolder.action'),
          items.map((f) => `${f}/`),
        ),
      );
    }
    if (this.unreadable.size > 0) {
      problems.push(
        problem(
          'error',
          'UNREADABLE_FILE',
          msg('dataset:unreadableFile.message', { count: this.unreadable.size, reasons: reasons(this.fileErrors) }),
          msg('dataset:unreadableFile.action'),
          this.unreadable.first(),
          this.unreadable.size,
        ),
      );
    }
    if (this.notImages.size > 0) {
      problems.push(
        problem(
          'error',
          'NOT_AN_IMAGE',
          msg('dataset:notAnImage.message', { count: this.notImages.size }),
          msg('dataset:notAnImage.action'),
          this.notImages.first(),
          this.notImages.size,
        ),
      );
    }
    if (this.formatMismatch.size > 0) {
      problems.push(
        problem(
          'error',
          'FORMAT_MISMATCH',
          msg('dataset:formatMismatch.message', { count: this.formatMismatch.size }),
          msg('dataset:formatMismatch.action'),
          this.formatMismatch.first(),
          this.formatMismatch.size,
        ),
      );
    }
    problems.push(...this.formatProblems(evaluation));
    const three = this.images3D.length;
    const two = this.imageNames.length - three;
    let dimensionality: DatasetDimensionality = 'unknown';
    if (two > 0 && three > 0) {
      dimensionality = 'mixed';
      const is3D = new Set(this.images3D);
      const images2D = [...this.imageNames.keys()].filter((image) => !is3D.has(image));
      const minority = two <= three ? images2D : this.images3D;
      problems.push(
        problem(
          'error',
          'MIXED_DIMENSIONS',
          msg('dataset:mixedDimensions.message', { images: msg('dataset:count.image2d', { count: two }), volumes: msg('dataset:count.volume3d', { count: three }) }),
          minority === images2D ? msg('dataset:mixedDimensions.action.images2d') : msg('dataset:mixedDimensions.action.volumes3d'),
          minority.map((image) => this.imageRel(image)).sort(compareNames),
          minority.length,
        ),
      );
    } else if (two > 0) dimensionality = '2D';
    else if (three > 0) dimensionality = '3D';

    // warnings (advice on what a model can learn: none for a set that only scores one)
    if (classesChecked && !evaluation) {
      const withImages = classes.filter((c) => c.count > 0);
      if (withImages.length >= 2) {
        const largest = withImages.reduce((a, b) => (b.count > a.count ? b : a));
        const smallest = withImages.reduce((a, b) => (b.count < a.count ? b : a));
        const ratio = largest.count / smallest.count;
        if (ratio > IMBALANCE_RATIO) {
          problems.push(
            problem(
              'warning',
              'CLASS_IMBALANCE',
              ratio < 100
                ? msg('dataset:classImbalance.message', { largest: largest.name, ratio, largestCount: largest.count, smallest: smallest.name, smallestCount: smallest.count })
                : msg('dataset:classImbalance.messageWhole', { largest: largest.name, ratio: Math.round(ratio), largestCount: largest.count, smallest: smallest.name, smallestCount: smallest.count }),
              msg('dataset:classImbalance.action'),
              [classLabel(largest.name), classLabel(smallest.name)],
            ),
          );
        }
      }
      const small = classes.filter((c) => c.count > 0 && c.count < SMALL_CLASS_IMAGES);
      if (small.length > 0) {
        problems.push(
          problem(
            'warning',
            'SMALL_CLASS',
            small.length === 1
              ? msg('dataset:smallClass.single', { name: small[0]!.name, images: msg('dataset:count.image', { count: small[0]!.count }) })
              : msg('dataset:smallClass.several', { n: small.length, min: SMALL_CLASS_IMAGES }),
            msg('dataset:smallClass.action'),
            small.map((c) => classLabel(c.name)),
          ),
        );
      }
    }
    const sizeProblem = this.sizeVariation();
    if (sizeProblem) problems.push(sizeProblem);
    if (this.extensionMismatch.size > 0) {
      problems.push(
        problem(
          'warning',
          'EXTENSION_MISMATCH',
          msg('dataset:extensionMismatch.message', { count: this.extensionMismatch.size }),
          msg('dataset:extensionMismatch.action'),
          this.extensionMismatch.first(),
          this.extensionMismatch.size,
        ),
      );
    }
    if (this.withoutExtension.size > 0) {
      problems.push(
        problem(
          'warning',
          'IMAGE_WITHOUT_EXTENSION',
          msg('dataset:imageWithoutExtension.message', { count: this.withoutExtension.size }),
          msg('dataset:imageWithoutExtension.action'),
          this.withoutExtension.first(),
          this.withoutExtension.size,
        ),
      );
    }
    if (this.outsideClasses.size > 0) {
      problems.push(
        problem(
          'warning',
          'FILES_OUTSIDE_CLASSES',
          msg('dataset:filesOutsideClasses.message', { count: this.outsideClasses.size }),
          msg('dataset:filesOutsideClasses.action'),
          this.outsideClasses.first(),
          this.outsideClasses.size,
        ),
      );
    }
    if (this.nested.size > 0) {
      problems.push(
        problem(
          'warning',
          'NESTED_FOLDERS',
          csv || this.options.interface === 'images'
            ? msg('dataset:nestedFolders.flat', { count: this.nested.size })
            : msg('dataset:nestedFolders.classes', { count: this.nested.size }),
          msg('dataset:nestedFolders.action'),
          this.nested.first().map((f) => `${f}/`),
          this.nested.size,
        ),
      );
    }
    if (this.ignored.size > 0) {
      problems.push(
        problem(
          'warning',
          'IGNORED_NON_IMAGE',
          msg('dataset:ignoredNonImage.message', { count: this.ignored.size }),
          msg('dataset:ignoredNonImage.action'),
          this.ignored.first(),
          this.ignored.size,
        ),
      );
    }
    if (this.specialFiles.size > 0) {
      const count = this.specialFiles.size;
      problems.push(
        problem(
          'warning',
          'SPECIAL_FILES',
          msg('dataset:specialFiles.message', { count }),
          msg('dataset:specialFiles.action'),
          this.specialFiles.first(),
          count,
        ),
      );
    }
    if (this.hidden.size > 0) {
      problems.push(
        problem(
          'warning',
          'HIDDEN_FILES',
          msg('dataset:hiddenFiles.message', { count: this.hidden.size }),
          msg('dataset:hiddenFiles.action'),
          this.hidden.first(),
          this.hidden.size,
        ),
      );
    }
    if (this.links.size > 0) {
      const outside = this.linksOutside;
      problems.push(
        problem(
          'warning',
          'SYMLINKS',
          outside > 0 ? msg('dataset:symlinks.outside', { count: this.links.size, outside }) : msg('dataset:symlinks.inside', { count: this.links.size }),
          msg('dataset:symlinks.action'),
          this.links.first(),
          this.links.size,
        ),
      );
    }

    return {
      dimensionality,
      multiLabel: csv && Boolean(annotations?.oneHot),
      classes,
      totalImages: this.totalImages,
      totalBytes: this.totalBytes,
      leftOut:
        this.hidden.size + this.hiddenClassFolders.size + this.ignored.size + this.specialFiles.size + this.nested.size + this.outsideClasses.size + this.withoutExtension.size + this.links.size + this.notInCsv.size,
      formats: Object.fromEntries([...this.formats].sort(([a], [b]) => compareNames(a, b))),
      dicomFiles: this.dicomFiles,
      problems: sortProblems(problems),
      samples,
    };
  }

  /**
   * Formats AUCMEDI cannot load (UNSUPPORTED_FORMAT); volumes of several formats where AUCMEDI
   * reads one folder with one extension (MIXED_VOLUME_FORMATS: prediction, the CSV interface, and an
   * evaluation, whose prediction step reads the set as one folder); for an evaluation, image names
   * that pandas reads back from preds.csv as numbers, which then match no label (NAMES_READ_AS_NUMBERS).
   */
  private formatProblems(evaluation: boolean): DatasetProblem[] {
    const problems: DatasetProblem[] = [];
    const unsupported = [...this.formats.keys()].filter((format) => format in UNSUPPORTED_FORMATS);
    if (unsupported.length > 0) {
      const files = this.imagesOfFormats(unsupported);
      const dicom = unsupported.some((format) => format.startsWith('dcm'));
      problems.push(
        problem(
          'error',
          'UNSUPPORTED_FORMAT',
          msg('dataset:unsupportedFormat.message', { count: files.length, formats: joinMessages(unsupported.map((f) => UNSUPPORTED_FORMATS[f]!), 'comma') }),
          dicom ? msg('dataset:unsupportedFormat.action.dicom') : msg('dataset:unsupportedFormat.action.other'),
          files,
        ),
      );
    }
    const flat = this.options.interface !== 'directory' || evaluation;
    const volumeFormats = ['nii', 'nii.gz', 'mha'].filter((format) => this.formats.has(format));
    if (flat && volumeFormats.length > 1) {
      const counts = volumeFormats.map((format) => ({ format, count: this.formats.get(format)! })).sort((a, b) => a.count - b.count);
      const minority = counts.slice(0, -1).map((c) => c.format);
      const files = this.imagesOfFormats(minority);
      problems.push(
        problem(
          'error',
          'MIXED_VOLUME_FORMATS',
          msg('dataset:mixedVolumeFormats.message', { n: volumeFormats.length, formats: volumeFormats.map((f) => `.${f}`).join(', ') }),
          msg('dataset:mixedVolumeFormats.action', { format: counts[counts.length - 1]!.format }),
          files,
        ),
      );
    }
    if (evaluation && this.imageNames.length > 0) {
      // preds.csv names a sample by its file name up to AUCMEDI's extension (io_directory.py), so x.nii.gz is "x.nii"
      const stems = this.imageNames.map((name) => (name.toLowerCase().endsWith('.nii.gz') ? name.slice(0, -3) : splitName(name).base));
      // unlike a class name, even a whole number without leading zeros fails: pandas cannot merge numbers with the labels' text
      const column = pandasColumn(stems);
      if (column.kind !== 'text' || column.missing.length > 0) {
        const examples = [...new Set(column.missing.length > 0 ? column.missing : stems)].sort(compareNames).slice(0, 5);
        const quoted = examples.map((e) => `"${e}"`).join(', ');
        problems.push(
          problem(
            'error',
            'NAMES_READ_AS_NUMBERS',
            column.missing.length > 0
              ? msg('dataset:namesReadAsNumbers.missing', { examples: quoted })
              : column.kind === 'boolean'
                ? msg('dataset:namesReadAsNumbers.boolean', { examples: quoted })
                : msg('dataset:namesReadAsNumbers.number', { examples: quoted }),
            msg('dataset:namesReadAsNumbers.action'),
            examples,
          ),
        );
      }
    }
    return problems;
  }

  private annotationName(): string {
    return this.options.annotationName ?? 'annotations.csv';
  }

  private tooFewClasses(classes: DatasetClass[], withImages: DatasetClass[]): DatasetProblem {
    const csv = this.options.interface === 'csv';
    const action = csv ? msg('dataset:tooFewClasses.action.csv') : msg('dataset:tooFewClasses.action.folder');
    if (withImages.length === 1) {
      const only = withImages[0]!.name;
      return problem(
        'error',
        'TOO_FEW_CLASSES',
        msg('dataset:tooFewClasses.oneClass.message', { name: only }),
        csv ? msg('dataset:tooFewClasses.oneClass.actionCsv') : msg('dataset:tooFewClasses.oneClass.actionFolder'),
        [csv ? only : `${only}/`],
      );
    }
    if (!csv && classes.length === 0 && this.outsideClasses.size > 0) {
      return problem(
        'error',
        'TOO_FEW_CLASSES',
        msg('dataset:tooFewClasses.noClassFolders.message'),
        msg('dataset:tooFewClasses.noClassFolders.action'),
        [],
        0,
      );
    }
    return problem('error', 'TOO_FEW_CLASSES', csv ? msg('dataset:tooFewClasses.none.csv') : msg('dataset:tooFewClasses.none.folder'), action, [], 0);
  }

  private sizeVariation(): DatasetProblem | null {
    const { widths, heights } = this;
    // the usual case first, without allocating: sizes within SIZE_RATIO of each other
    let smallest = Infinity;
    let largest = 0;
    for (let image = 0; image < this.imageNames.length; image++) {
      const area = widths.at(image) * heights.at(image);
      if (area === 0) continue;
      smallest = Math.min(smallest, area);
      largest = Math.max(largest, area);
    }
    if (largest / smallest <= SIZE_RATIO) return null;
    // the images whose pixel size is known, and their areas
    const sized: number[] = [];
    for (let image = 0; image < this.imageNames.length; image++) if (widths.at(image) > 0 && heights.at(image) > 0) sized.push(image);
    const count = sized.length;
    if (count < 2) return null;
    const areas = new Float64Array(count);
    let min = 0;
    let max = 0;
    for (let i = 0; i < count; i++) {
      areas[i] = Math.max(1, widths.at(sized[i]!) * heights.at(sized[i]!));
      if (areas[i]! < areas[min]!) min = i;
      if (areas[i]! > areas[max]!) max = i;
    }
    if (areas[max]! / areas[min]! <= SIZE_RATIO) return null;
    const median = Float64Array.from(areas).sort()[count >> 1]!;
    const distance = (i: number) => Math.abs(Math.log(areas[i]! / median));
    let outliers: number[] = [];
    for (let i = 0; i < count; i++) if (distance(i) > Math.log(4)) outliers.push(i);
    if (outliers.length === 0) outliers = [min, max];
    const total = outliers.length;
    const rels = new Map(outliers.map((i) => [i, this.imageRel(sized[i]!)]));
    outliers = outliers.sort((a, b) => distance(b) - distance(a) || compareNames(rels.get(a)!, rels.get(b)!)).slice(0, MAX_LISTED_FILES);
    const size = (i: number) => `${widths.at(sized[i]!)}×${heights.at(sized[i]!)}`;
    return problem(
      'warning',
      'SIZE_VARIATION',
      msg('dataset:sizeVariation.message', { smallest: size(min), largest: size(max) }),
      msg('dataset:sizeVariation.action'),
      outliers.map((i) => `${rels.get(i)} (${size(i)})`),
      total,
    );
  }
}

/** The sample name of an image: its file (or DICOM series folder) name without the image extension. */
function sampleName(name: string): string {
  const parts = splitName(name);
  return parts.format === null ? name : parts.base;
}

/** The `SAMPLES_PER_CLASS` smallest of `list` (sorted) and `name`, sorted: `list` itself when `name` is not among them. */
function keepSmallest(list: string[], name: string): string[] {
  if (list.length >= SAMPLES_PER_CLASS && compareNames(name, list[list.length - 1]!) >= 0) return list;
  return [...list, name].sort(compareNames).slice(0, SAMPLES_PER_CLASS);
}

function reasons(codes: Set<string>): Message {
  const byKey = new Map<string, Message>();
  for (const code of codes) {
    const reason = FILE_ERRORS[code] ?? msg('dataset:reason.other', { code });
    byKey.set(JSON.stringify(reason), reason);
  }
  return joinMessages([...byKey.values()], 'semicolon');
}

/** A growing list of 32-bit numbers: a typed array, doubled when full, holds 100 000 of them with less copying and memory than an Array. */
class Uint32List {
  private data = new Uint32Array(1024);
  private length = 0;

  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Uint32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }

  at(index: number): number {
    return this.data[index]!;
  }
}
