import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createCore, type Core } from '../core';
import { JsonFileSettingsStore, SETTINGS_FILE_NAME, userDataDir } from '../settings/store';
import { APP_VERSION } from '../version';
import { datasetValidateCommand } from './dataset-command';
import { dicomCommand } from './dicom-command';
import { engineCommand, enginesCommand } from './engine-command';
import { gpuCommand } from './gpu-command';
import { imageCommand, type CliIo } from './image-command';
import { evaluateCommand, predictCommand, runsCommand, trainCommand } from './run-commands';
import { weightsCommand } from './weights-command';
import { escapeControls } from './terminal-text';
import { msg, t, text, type Message } from '../i18n';

/** One command in the help: its synopsis (continuation lines indented under it) and what it does. */
interface HelpEntry {
  synopsis: string[];
  /** The description, one line per `\n`. */
  description: Message;
  /** A blank line after this entry. */
  gap?: boolean;
}

const HELP_COMMANDS: HelpEntry[] = [
  { synopsis: ['engine [--engine NAME] [--json]'], description: msg('cli:help.commands.engine') },
  { synopsis: ['engine list [--json]'], description: msg('remote:cli.help.list') },
  { synopsis: ['engine add NAME URL [--identity-file FILE] [--tls-ca FILE --tls-cert FILE --tls-key FILE]'], description: msg('remote:cli.help.add') },
  { synopsis: ['engine remove NAME'], description: msg('remote:cli.help.remove') },
  { synopsis: ['engine trust NAME --fingerprint SHA256:...'], description: msg('remote:cli.help.trust') },
  { synopsis: ['engine contexts [--json]'], description: msg('remote:cli.help.contexts') },
  { synopsis: ['engine import CONTEXT [--name NAME]'], description: msg('remote:cli.help.import') },
  { synopsis: ['engine map NAME LOCAL_FOLDER SERVER_FOLDER', 'engine unmap NAME'], description: msg('remote:cli.help.map') },
  { synopsis: ['engine datasets NAME [--remove VOLUME] [--json]'], description: msg('remote:cli.help.datasets') },
  { synopsis: ['gpu [--json]'], description: msg('cli:help.commands.gpu') },
  { synopsis: ['dataset validate PATH [--gt FILE] [--ohe] [--json]'], description: msg('cli:help.commands.datasetValidate') },
  { synopsis: ['dicom scan DIR [--classes-from folders|csv:FILE:ATTRIBUTE] [--json]'], description: msg('cli:help.commands.dicomScan') },
  {
    synopsis: ['dicom convert DIR --out DIR [--classes-from folders|csv:FILE:ATTRIBUTE] [--window auto|WIDTH/CENTER|MODALITY=WIDTH/CENTER,...] [--frames refuse|each] [--mapping FILE] [--json]'],
    description: msg('cli:help.commands.dicomConvert'),
  },
  { synopsis: ['image list [--engine NAME] [--json]'], description: msg('cli:help.commands.imageList') },
  { synopsis: ['image load FILE [--engine NAME] [--json]'], description: msg('cli:help.commands.imageLoad') },
  { synopsis: ['image save REF FILE [--force]'], description: msg('cli:help.commands.imageSave') },
  { synopsis: ['image rm REF'], description: msg('cli:help.commands.imageRm') },
  { synopsis: ['weights list [--json]'], description: msg('cli:help.commands.weightsList') },
  { synopsis: ['weights import SOURCE [--json]'], description: msg('cli:help.commands.weightsImport'), gap: true },
  {
    synopsis: [
      'train DATASET [--gt FILE] [--ohe] [--architecture KEY[,KEY]] [--analysis minimal|standard|advanced]',
      '[--epochs N] [--batch-size N] [--workers N] [--metalearner M] [--three-dim]',
      '[--gpus 0|UUID|none] [--engine NAME [--allow-upload]] [--out DIR] [--image REF] [--json]',
    ],
    description: msg('cli:help.commands.train'),
  },
  { synopsis: ['predict IMAGES --model RUN_OR_DIR [--xai METHOD] [--batch-size N] [--workers N] [--gpus ..] [--engine NAME [--allow-upload]] [--out DIR] [--json]'], description: msg('cli:help.commands.predict') },
  { synopsis: ['evaluate DATASET --model RUN_OR_DIR [--gt FILE] [--ohe] [--batch-size N] [--gpus ..] [--engine NAME [--allow-upload]] [--out DIR] [--json]'], description: msg('cli:help.commands.evaluate') },
  { synopsis: ['runs list [--engine NAME] [--json]'], description: msg('cli:help.commands.runsList') },
  { synopsis: ['runs show ID [--json]'], description: msg('cli:help.commands.runsShow') },
  { synopsis: ['runs attach ID'], description: msg('cli:help.commands.runsAttach') },
  { synopsis: ['runs stop ID'], description: msg('cli:help.commands.runsStop') },
];

const HELP_OPTIONS: [string, Message][] = [
  ['--json', msg('cli:help.options.json')],
  ['--version', msg('cli:help.options.version')],
  ['--help', msg('cli:help.options.help')],
  ['--opt=VALUE', msg('cli:help.options.opt')],
];

/** Descriptions start in this column; a synopsis too long for it puts its description below. */
const DESCRIPTION_COLUMN = 34;
const OPTION_COLUMN = 21;

/** The main help (`aucmedi-desk --help`) in the core's language. */
export function usage(): string {
  const lines = [t('cli:help.usage'), '', t('cli:help.commandsTitle')];
  for (const entry of HELP_COMMANDS) {
    const [first, ...more] = entry.synopsis;
    const description = text(entry.description).split('\n');
    const head = `  ${first}`;
    if (more.length === 0 && head.length <= DESCRIPTION_COLUMN - 2) lines.push(head.padEnd(DESCRIPTION_COLUMN) + description.shift());
    else lines.push(head, ...more.map((line) => `        ${line}`));
    lines.push(...description.map((line) => ' '.repeat(DESCRIPTION_COLUMN) + line));
    if (entry.gap) lines.push('');
  }
  lines.push('', t('cli:help.optionsTitle'));
  for (const [option, description] of HELP_OPTIONS) lines.push(`  ${option}`.padEnd(OPTION_COLUMN) + text(description));
  lines.push('', t('cli:help.exitCodes'));
  return lines.join('\n');
}

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
  engine: { positional: 0, flags: ['--json'], options: ['--engine'], run: (core, _args, json, io, values) => engineCommand(core, json, io.out, values['--engine']) },
  'engine list': { positional: 0, flags: ['--json'], run: (core, args, json, io, values) => enginesCommand(core, 'list', args, values, json, io) },
  'engine add': {
    positional: 2,
    flags: ['--json'],
    options: ['--tls-ca', '--tls-cert', '--tls-key', '--identity-file'],
    run: (core, args, json, io, values) => enginesCommand(core, 'add', args, values, json, io),
  },
  'engine remove': { positional: 1, flags: ['--json'], run: (core, args, json, io, values) => enginesCommand(core, 'remove', args, values, json, io) },
  'engine contexts': { positional: 0, flags: ['--json'], run: (core, args, json, io, values) => enginesCommand(core, 'contexts', args, values, json, io) },
  'engine import': { positional: 1, flags: ['--json'], options: ['--name'], run: (core, args, json, io, values) => enginesCommand(core, 'import', args, values, json, io) },
  'engine map': { positional: 3, flags: ['--json'], run: (core, args, json, io, values) => enginesCommand(core, 'map', args, values, json, io) },
  'engine unmap': { positional: 1, flags: ['--json'], run: (core, args, json, io, values) => enginesCommand(core, 'map', args, values, json, io, ['--clear']) },
  'engine datasets': { positional: 1, flags: ['--json'], options: ['--remove'], run: (core, args, json, io, values) => enginesCommand(core, 'datasets', args, values, json, io) },
  'engine trust': { positional: 1, flags: ['--json'], options: ['--fingerprint'], run: (core, args, json, io, values) => enginesCommand(core, 'trust', args, values, json, io) },
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
    flags: ['--json', '--ohe', '--three-dim', '--allow-upload'],
    options: ['--gt', '--architecture', '--analysis', '--epochs', '--batch-size', '--workers', '--metalearner', '--gpus', '--out', '--image', '--engine'],
    integers: ['--epochs', '--batch-size', '--workers'],
    run: (core, args, json, io, values, flags) => trainCommand(core, args[0]!, values, flags, json, io),
  },
  predict: {
    positional: 1,
    flags: ['--json', '--allow-upload'],
    options: ['--model', '--xai', '--batch-size', '--workers', '--gpus', '--out', '--image', '--engine'],
    integers: ['--batch-size', '--workers'],
    run: (core, args, json, io, values, flags) => (values['--model'] ? predictCommand(core, args[0]!, values, flags, json, io) : Promise.resolve(missingModel(io))),
  },
  evaluate: {
    positional: 1,
    flags: ['--json', '--ohe', '--allow-upload'],
    options: ['--model', '--gt', '--batch-size', '--workers', '--gpus', '--out', '--image', '--engine'],
    integers: ['--batch-size', '--workers'],
    run: (core, args, json, io, values, flags) => (values['--model'] ? evaluateCommand(core, args[0]!, values, flags, json, io) : Promise.resolve(missingModel(io))),
  },
  'runs list': { positional: 0, flags: ['--json'], options: ['--engine'], run: (core, _args, json, io, values) => runsCommand(core, 'list', undefined, json, io, values['--engine']) },
  'runs show': { positional: 1, flags: ['--json'], run: (core, args, json, io) => runsCommand(core, 'show', args[0], json, io) },
  'runs stop': { positional: 1, flags: ['--json'], run: (core, args, json, io) => runsCommand(core, 'stop', args[0], json, io) },
  'runs attach': { positional: 1, flags: ['--json'], run: (core, args, json, io) => runsCommand(core, 'attach', args[0], json, io) },
  'weights list': { positional: 0, flags: ['--json'], run: (core, _args, json, io) => weightsCommand(core, 'list', undefined, json, io) },
  'weights import': { positional: 1, flags: ['--json'], run: (core, args, json, io) => weightsCommand(core, 'import', args[0], json, io) },
  'image list': { positional: 0, flags: ['--json'], options: ['--engine'], run: (core, args, json, io, values) => imageCommand(core, ['list', ...args], json, io, values['--engine']) },
  'image load': { positional: 1, flags: ['--json'], options: ['--engine'], run: (core, args, json, io, values) => imageCommand(core, ['load', ...args], json, io, values['--engine']) },
  'image save': { positional: 2, flags: ['--json', '--force'], run: (core, args, json, io, _values, flags) => imageCommand(core, ['save', ...args, ...flags], json, io) },
  'image rm': { positional: 1, flags: ['--json'], run: (core, args, json, io) => imageCommand(core, ['rm', ...args], json, io) },
};

export async function main(argv: string[], writeOut = (text: string) => console.log(text), writeErr = (text: string) => console.error(text)): Promise<number> {
  const out = (text: string) => writeOut(escapeControls(text));
  const err = (text: string) => writeErr(escapeControls(text));
  const [first, second] = argv;
  if (!first || first === '--help' || first === '-h' || first === 'help') {
    out(usage());
    return first ? 0 : EXIT_USAGE;
  }
  if (first === '--version' || first === '-v') {
    out(APP_VERSION);
    return 0;
  }
  const name = COMMANDS[`${first} ${second}`] ? `${first} ${second}` : first;
  const command = COMMANDS[name];
  if (!command) return usageError(t('cli:usage.unknownCommand', { command: argv.slice(0, 2).join(' ') }), err);
  const rest = argv.slice(name.split(' ').length);
  const beforeTerminator = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest;
  if (beforeTerminator.includes('--help') || beforeTerminator.includes('-h')) {
    out(commandHelp(name));
    return 0;
  }
  const parsed = parseArguments(rest, command);
  if (typeof parsed === 'string') return usageError(t('cli:usage.inCommand', { problem: parsed, command: name }), err);
  if (parsed.positional.length !== command.positional) return usageError(t('cli:usage.argumentCount', { command: name, expected: command.positional, got: parsed.positional.length }), err);

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
      if (token.value.trim() === '') return t('cli:usage.emptyArgument');
      positional.push(token.value);
      continue;
    }
    const name = `--${token.name}`;
    if (token.rawName.startsWith('--') && spec.flags.includes(name)) {
      if (token.inlineValue) return t('cli:usage.takesNoValue', { option: name });
      if (!flags.includes(name)) flags.push(name);
    } else if (token.rawName.startsWith('--') && spec.options?.includes(name)) {
      const value = token.value;
      if (value === undefined || (!token.inlineValue && value.startsWith('--'))) return t('cli:usage.needsValue', { option: name });
      if (value.trim() === '') return t('cli:usage.needsNonEmptyValue', { option: name });
      if (spec.integers?.includes(name) && !/^\d+$/.test(value)) return t('cli:usage.wholeNumber', { option: name, value });
      values[name] = value;
    } else return t('cli:usage.unknownOption', { option: token.rawName });
  }
  return { positional, flags, values };
}

/** `COMMAND --help`: the command's lines of the usage, its synopsis first, then what it does. */
export function commandHelp(name: string): string {
  const lines = usage().split('\n');
  const start = lines.findIndex((line) => line.startsWith(`  ${name} `));
  const [synopsis, ...description] = lines[start]!.trim().split(/\s{2,}/);
  const synopsisLines = [synopsis!];
  for (const line of lines.slice(start + 1)) {
    if (!/^ {4,}\S/.test(line)) break;
    if (/^ {20,}/.test(line)) description.push(line.trim());
    else synopsisLines.push(line.trim());
  }
  return [t('cli:help.commandUsage', { synopsis: synopsisLines.join(' ') }), '', ...description.map((line) => `  ${line}`), '', t('cli:help.everyCommand'), t('cli:help.exitCodes')].join('\n');
}

function terminalStatus(): (line: string) => void {
  return (line) => process.stderr.write(`\r\x1b[2K${escapeControls(line)}`);
}

function usageError(message: string, err: (text: string) => void): number {
  err(`aucmedi-desk: ${message}\n\n${usage()}`);
  return EXIT_USAGE;
}

function defaultSettingsStore(): JsonFileSettingsStore {
  return new JsonFileSettingsStore(path.join(userDataDir(process.platform, process.env, os.homedir()), SETTINGS_FILE_NAME));
}

function missingModel(io: CliIo): number {
  io.err(`aucmedi-desk: ${t('cli:usage.modelRequired')}`);
  return EXIT_USAGE;
}
