/**
 * "Export diagnostics": one archive IT can attach to a ticket. It holds what a support engineer
 * asks for first: versions, the settings, the engine's and the GPU's diagnoses, the images, the
 * last runs' records and console logs, and the app log. It never holds a dataset file, a model or
 * a prediction table; folder and file names are replaced (src/support/redact.ts) unless the user
 * ticks "include folder names". Written as a `.tar.gz` (Windows 10 and later open it with `tar`,
 * Windows 11's Explorer directly) through a private temporary folder, then renamed into place.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { create } from 'tar';
import { pathsIn, Redactor, redactValue } from './redact';

export interface DiagnosticsSources {
  /** App name, version, platform; the runtime's versions (Node, Electron, Chromium, V8). */
  app: Record<string, unknown>;
  settings: unknown;
  engine: unknown;
  gpu: unknown;
  images: unknown;
  /** The last runs' records, newest first, each with the tail of its console log (null: none). */
  runs: { record: { id: string } & Record<string, unknown>; log: string | null }[];
  /** The app log files, newest first. */
  logFiles: string[];
  home: string;
}

/** Each run log is cut to its last this many bytes: the end says why a run failed. */
export const RUN_LOG_TAIL_BYTES = 256 * 1024;

export async function writeDiagnostics(file: string, sources: DiagnosticsSources, options: { includeFolderNames: boolean }): Promise<{ file: string; entries: string[] }> {
  const redactor = options.includeFolderNames ? null : new Redactor(pathsIn([sources.settings, sources.runs.map((run) => run.record), sources.images]), sources.home);
  const json = (value: unknown) => `${JSON.stringify(redactor ? redactValue(value, redactor) : value, null, 2)}\n`;
  const text = (value: string) => (redactor ? redactor.redact(value) : value);
  const entries: [string, string][] = [
    ['README.txt', readme(options.includeFolderNames, sources.runs.length)],
    ['versions.json', json({ ...sources.app, os: { type: os.type(), release: os.release(), arch: os.arch(), cpus: os.cpus().length, memoryBytes: os.totalmem() } })],
    ['settings.json', json(sources.settings)],
    ['engine.json', json(sources.engine)],
    ['gpu.json', json(sources.gpu)],
    ['images.json', json(sources.images)],
    ...sources.runs.flatMap(({ record, log }): [string, string][] => [[`runs/${record.id}.json`, json(record)], ...(log === null ? [] : [[`runs/${record.id}.log`, text(log)] as [string, string]])]),
    ...sources.logFiles.map((log): [string, string] => [`app-log/${path.basename(log)}`, text(readTextOrEmpty(log))]),
  ];
  const staging = mkdtempSync(path.join(os.tmpdir(), 'aucmedi-desk-diagnostics-')); // mode 0700: nobody else reads it meanwhile
  const root = 'aucmedi-desk-diagnostics';
  try {
    for (const [name, content] of entries) {
      const target = path.join(staging, root, name);
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, content, { mode: 0o600 });
    }
    const partial = path.join(staging, 'archive.tar.gz');
    await create({ gzip: true, file: partial, cwd: staging, portable: true, noMtime: false }, [root]);
    await rename(partial, file).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EXDEV') throw error;
      writeFileSync(file, readFileSync(partial)); // another disk: copied (the archive is small)
    });
    return { file, entries: entries.map(([name]) => `${root}/${name}`) };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function readTextOrEmpty(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function readme(includeFolderNames: boolean, runs: number): string {
  return [
    'AUCMEDI Desk diagnostics',
    '',
    'versions.json   app, runtime and operating system versions',
    'settings.json   the app settings (no passwords are kept in them)',
    'engine.json     the Docker engine diagnosis',
    'gpu.json        the GPU diagnosis',
    'images.json     the AUCMEDI images on the engine',
    `runs/           the last ${runs} runs: record (.json) and the end of the console log (.log)`,
    'app-log/        the app log (main-process events, warnings, errors)',
    '',
    'No image, model, dataset file or prediction is included.',
    includeFolderNames
      ? 'Folder and file names are included as they are (the user chose so): they may identify patients.'
      : 'Folder and file names are replaced: <folder N> for the folders the app knows (the same N is the same folder), <file> for what lies inside them, <path> for other paths, ~ for the home folder.',
    '',
  ].join('\n');
}
