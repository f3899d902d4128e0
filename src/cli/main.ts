import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createCore, type Core } from '../core';
import { JsonFileSettingsStore, SETTINGS_FILE_NAME, userDataDir } from '../settings/store';
import { APP_VERSION } from '../version';
import { datasetValidateCommand } from './dataset-command';
import { dicomCommand } from './dicom-command';
import { engineCommand } from './engine-command';
import { gpuCommand } from './gpu-command';
import { imageCommand, type CliIo } from './image-command';
import { evaluateCommand, predictCommand, runsCommand, trainCommand } from './run-commands';
import { weightsCommand } from './weights-command';
import { escapeControls } from './terminal-text';

const EXIT_CODES = 'Exit codes: 0 success, 1 failure (the message says what to do), 2 wrong usage, 130 stopped with Ctrl-C (or SIGTERM).';

const USAGE = `Usage: aucmedi-desk <command> [options]

Commands:
  engine [--json]                 Check the Docker engine: exit 0 when it is ready, 1 when not.
  gpu [--json]                    What the GPU can do for training: exit 0 when a GPU is ready, 1 when training would run on the CPU.
  dataset validate PATH [--gt FILE] [--ohe] [--json]
                                  Check a dataset as AUCMEDI will read it: exit 0 without errors, 1 with errors.
  dicom scan DIR [--classes-from folders|csv:FILE:ATTRIBUTE] [--json]
                                  What a folder of DICOM files (a PACS export) holds: studies, series, 2D images, 3D series, what cannot be used and why.
  dicom convert DIR --out DIR [--classes-from folders|csv:FILE:ATTRIBUTE] [--window auto|WIDTH/CENTER|MODALITY=WIDTH/CENTER,...] [--frames refuse|each] [--mapping FILE] [--json]
                                  Convert the 2D images into a new dataset of 8-bit PNGs and the 3D series into NIfTI volumes,
                                  named by pseudonyms; the source is never written to. Classes come from one folder per class,
                                  or from a CSV (KEY,CLASS under a header line) keyed by PatientID, AccessionNumber,
                                  StudyInstanceUID or SeriesInstanceUID. --mapping writes the pseudonym-to-source list
                                  (it holds identifiers) to FILE, outside the dataset.
  image list [--json]             The AUCMEDI images present (* = the one in use).
  image load FILE [--json]        Load an image file (docker save tarball, plain or gz/xz); checks FILE.sha256 when present.
  image save REF FILE [--force]   Export an image to FILE and write FILE.sha256 beside it.
  image rm REF                    Remove an image (refused while a run uses it).
  weights list [--json]           The pretrained-weights folder: files, sizes, SHA-256.
  weights import SOURCE [--json]  Copy weights from a folder (e.g. a copy of ~/.keras/models), a .zip, a .tar or a .tar.gz; SOURCE.sha256 checked when present.

  train DATASET [--gt FILE] [--ohe] [--architecture KEY[,KEY]] [--analysis minimal|standard|advanced]
        [--epochs N] [--batch-size N] [--workers N] [--metalearner M] [--three-dim]
        [--gpus 0|UUID|none] [--out DIR] [--image REF] [--json]
                                  Train in the foreground with progress; Ctrl-C stops the container cleanly.
                                  AUCMEDI trains at least 10 epochs (--epochs 3 trains 10) on one GPU
                                  (without --gpus: a GPU no other run uses, else the CPU).
  predict IMAGES --model RUN_OR_DIR [--xai METHOD] [--batch-size N] [--workers N] [--gpus ..] [--out DIR] [--json]
                                  Classify a flat folder of images with a trained model (a run id or a model folder).
  evaluate DATASET --model RUN_OR_DIR [--gt FILE] [--ohe] [--batch-size N] [--gpus ..] [--out DIR] [--json]
                                  Score a model on a labelled set: prediction, then AUCMEDI's evaluation.
  runs list [--json]              The runs, newest first.
  runs show ID [--json]           One run: state, settings, last epoch, models, error.
  runs attach ID                  Follow a run left running (after the app or the terminal closed).
  runs stop ID                    Stop a run (a standard training keeps its best model; minimal, advanced none).

Options:
  --json             Machine-readable output: one JSON object per line (progress, then the result).
  --version          Print the version.
  --help             Print this help; COMMAND --help prints the command's.
  --opt=VALUE        The same as --opt VALUE; -- ends the options (for a path that starts with -).

${EXIT_CODES}`;

export const EXIT_USAGE = 2;

interface CommandSpec {
  positional: number;
  /** Flags without a value. */
  flags: string[];
  /** Options that take a value (`--gt FILE`). */
  options?: string[];
  /** Options whose value is a count: plain decimal digits (`--epochs 0x10` is not 16). */
  integers?: string[];
  /** `args`: the positional arguments; `flags`: the flags given (`--json` among them). */
  run: (core: Core, args: string[], json: boolean, io: CliIo, values: Record<string, string>, flags: string[]) => Promise<number>;
}

/** What each command accepts: positional arguments, flags and options with values. */
const COMMANDS: Record<string, CommandSpec> = {
  engine: { positional: 0, flags: ['--json'], run: (core, _args, json, io) => engineCommand(core, json, io.out) },
  gpu: { positional: 0, flags: ['--json'], run: (core, _args, json, io) => gpuCommand(core, json, io) },
  'dataset validate': {
    positional: 1,
    flags: ['--json', '--ohe'],
    options: ['--gt'],
    run: (core, args, json, io, values, flags) => datasetValidateCommand(core, args[0]!, values['--gt'], flags.includes('--ohe'), json, io),
  },
  'dicom scan': { positional: 1, flags: ['--json'], options: ['--classes-from'], run: (core, args, json, io, values) => dicomCommand(core, 'scan', args[0]!, values, json, io) },
  'dicom convert': {
    positional: 1,
    flags: ['--json'],
    options: ['--out', '--window', '--frames', '--mapping', '--classes-from'],
    run: (core, args, json, io, values) => dicomCommand(core, 'convert', args[0]!, values, json, io),
  },
  train: {
    positional: 1,
    flags: ['--json', '--ohe', '--three-dim'],
    options: ['--gt', '--architecture', '--analysis', '--epochs', '--batch-size', '--workers', '--metalearner', '--gpus', '--out', '--image'],
    integers: ['--epochs', '--batch-size', '--workers'],
    run: (core, args, json, io, values, flags) => trainCommand(core, args[0]!, values, flags, json, io),
  },
  predict: {
    positional: 1,
    flags: ['--json'],
    options: ['--model', '--xai', '--batch-size', '--workers', '--gpus', '--out', '--image'],
    integers: ['--batch-size', '--workers'],
    run: (core, args, json, io, values) => (values['--model'] ? predictCommand(core, args[0]!, values, json, io) : Promise.resolve(missingModel(io))),
  },
  evaluate: {
    positional: 1,
    flags: ['--json', '--ohe'],
    options: ['--model', '--gt', '--batch-size', '--workers', '--gpus', '--out', '--image'],
    integers: ['--batch-size', '--workers'],
    run: (core, args, json, io, values, flags) => (values['--model'] ? evaluateCommand(core, args[0]!, values, flags, json, io) : Promise.resolve(missingModel(io))),
  },
  'runs list': { positional: 0, flags: ['--json'], run: (core, _args, json, io) => runsCommand(core, 'list', undefined, json, io) },
  'runs show': { positional: 1, flags: ['--json'], run: (core, args, json, io) => runsCommand(core, 'show', args[0], json, io) },
  'runs stop': { positional: 1, flags: ['--json'], run: (core, args, json, io) => runsCommand(core, 'stop', args[0], json, io) },
  'runs attach': { positional: 1, flags: ['--json'], run: (core, args, json, io) => runsCommand(core, 'attach', args[0], json, io) },
  'weights list': { positional: 0, flags: ['--json'], run: (core, _args, json, io) => weightsCommand(core, 'list', undefined, json, io) },
  'weights import': { positional: 1, flags: ['--json'], run: (core, args, json, io) => weightsCommand(core, 'import', args[0], json, io) },
  'image list': { positional: 0, flags: ['--json'], run: (core, args, json, io) => imageCommand(core, ['list', ...args], json, io) },
  'image load': { positional: 1, flags: ['--json'], run: (core, args, json, io) => imageCommand(core, ['load', ...args], json, io) },
  'image save': { positional: 2, flags: ['--json', '--force'], run: (core, args, json, io, _values, flags) => imageCommand(core, ['save', ...args, ...flags], json, io) },
  'image rm': { positional: 1, flags: ['--json'], run: (core, args, json, io) => imageCommand(core, ['rm', ...args], json, io) },
};

export async function main(argv: string[], writeOut = (text: string) => console.log(text), writeErr = (text: string) => console.error(text)): Promise<number> {
  const out = (text: string) => writeOut(escapeControls(text));
  const err = (text: string) => writeErr(escapeControls(text));
  const [first, second] = argv;
  if (!first || first === '--help' || first === '-h' || first === 'help') {
    out(USAGE);
    return first ? 0 : EXIT_USAGE;
  }
  if (first === '--version' || first === '-v') {
    out(APP_VERSION);
    return 0;
  }
  const name = COMMANDS[`${first} ${second}`] ? `${first} ${second}` : first;
  const command = COMMANDS[name];
  if (!command) return usageError(`unknown command "${argv.slice(0, 2).join(' ')}"`, err);
  const rest = argv.slice(name.split(' ').length);
  const beforeTerminator = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest;
  if (beforeTerminator.includes('--help') || beforeTerminator.includes('-h')) {
    out(commandHelp(name));
    return 0;
  }
  const parsed = parseArguments(rest, command);
  if (typeof parsed === 'string') return usageError(`${parsed} (in "${name}")`, err);
  if (parsed.positional.length !== command.positional) return usageError(`"${name}" takes ${command.positional} argument(s), got ${parsed.positional.length}`, err);

  const core = createCore({ settings: defaultSettingsStore() });
  const io: CliIo = { out, err, ...(process.stderr.isTTY ? { status: terminalStatus() } : {}) };
  try {
    return await command.run(core, parsed.positional, parsed.flags.includes('--json'), io, parsed.values, parsed.flags);
  } finally {
    core.dispose();
  }
}

/**
 * Splits arguments into positional ones, known flags and options with values (`--gt FILE` or
 * `--gt=FILE`; after `--` everything is positional), with `node:util` parseArgs; a string says what
 * is wrong. An empty or blank argument is wrong everywhere: taken as a path it would quietly mean
 * the working folder, and as an option it would quietly mean the default.
 */
export function parseArguments(args: string[], spec: Pick<CommandSpec, 'flags' | 'options' | 'integers'>): { positional: string[]; flags: string[]; values: Record<string, string> } | string {
  const options = Object.fromEntries([...spec.flags.map((flag) => [flag.slice(2), { type: 'boolean' as const }]), ...(spec.options ?? []).map((option) => [option.slice(2), { type: 'string' as const }])]);
  // Not strict: every token comes back, and each mistake is named here in the CLI's own words.
  const { tokens } = parseArgs({ args, options, allowPositionals: true, strict: false, tokens: true });
  const positional: string[] = [];
  const flags: string[] = [];
  const values: Record<string, string> = {};
  for (const token of tokens) {
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional') {
      if (token.value.trim() === '') return 'an argument is empty';
      positional.push(token.value);
      continue;
    }
    const name = `--${token.name}`;
    if (token.rawName.startsWith('--') && spec.flags.includes(name)) {
      if (token.inlineValue) return `${name} takes no value`;
      if (!flags.includes(name)) flags.push(name);
    } else if (token.rawName.startsWith('--') && spec.options?.includes(name)) {
      const value = token.value;
      if (value === undefined || (!token.inlineValue && value.startsWith('--'))) return `${name} needs a value`;
      if (value.trim() === '') return `${name} needs a value, not an empty one`;
      if (spec.integers?.includes(name) && !/^\d+$/.test(value)) return `${name} takes a whole number in plain digits (like 20), not "${value}"`;
      values[name] = value;
    } else return `unknown option ${token.rawName}`;
  }
  return { positional, flags, values };
}

/** `COMMAND --help`: the command's lines of the usage, its synopsis first, then what it does. */
export function commandHelp(name: string): string {
  const lines = USAGE.split('\n');
  const start = lines.findIndex((line) => line.startsWith(`  ${name} `));
  const [synopsis, ...description] = lines[start]!.trim().split(/\s{2,}/);
  const synopsisLines = [synopsis!];
  for (const line of lines.slice(start + 1)) {
    if (!/^ {4,}\S/.test(line)) break;
    if (/^ {20,}/.test(line)) description.push(line.trim());
    else synopsisLines.push(line.trim());
  }
  return [`Usage: aucmedi-desk ${synopsisLines.join(' ')}`, '', ...description.map((line) => `  ${line}`), '', 'Every command takes --json (one JSON object per line) and --help; options take their value as --opt VALUE or --opt=VALUE, and -- ends the options.', EXIT_CODES].join('\n');
}

function terminalStatus(): (line: string) => void {
  return (line) => process.stderr.write(`\r\x1b[2K${escapeControls(line)}`);
}

function usageError(message: string, err: (text: string) => void): number {
  err(`aucmedi-desk: ${message}\n\n${USAGE}`);
  return EXIT_USAGE;
}

function defaultSettingsStore(): JsonFileSettingsStore {
  return new JsonFileSettingsStore(path.join(userDataDir(process.platform, process.env, os.homedir()), SETTINGS_FILE_NAME));
}

function missingModel(io: CliIo): number {
  io.err('aucmedi-desk: --model RUN_OR_DIR is required (a training run id, or a trained model folder). See aucmedi-desk --help.');
  return EXIT_USAGE;
}
