import os from 'node:os';
import path from 'node:path';
import { createCore, type Core } from '../core';
import { JsonFileSettingsStore, SETTINGS_FILE_NAME, userDataDir } from '../settings/store';
import { APP_VERSION } from '../version';
import { engineCommand } from './engine-command';
import { gpuCommand } from './gpu-command';
import { imageCommand, type CliIo } from './image-command';

const USAGE = `Usage: aucmedi-desk <command> [options]

Commands:
  engine [--json]                 Check the Docker engine: exit 0 when it is ready, 1 when not.
  gpu [--json]                    What the GPU can do for training: exit 0 when a GPU is ready, 1 when training would run on the CPU.
  image list [--json]             The AUCMEDI images present (* = the one in use).
  image load FILE [--json]        Load an image file (docker save tarball, plain or gz/xz); checks FILE.sha256 when present.
  image save REF FILE [--force]   Export an image to FILE and write FILE.sha256 beside it.
  image rm REF                    Remove an image (refused while a run uses it).

Options:
  --json             Machine-readable output.
  --version          Print the version.
  --help             Print this help.

Exit codes: 0 success, 1 failure (the message says what to do), 2 wrong usage.`;

export const EXIT_USAGE = 2;

/** What each command accepts: positional arguments and flags. */
const COMMANDS: Record<string, { positional: number; flags: string[]; run: (core: Core, args: string[], json: boolean, io: CliIo) => Promise<number> }> = {
  engine: { positional: 0, flags: ['--json'], run: (core, _args, json, io) => engineCommand(core, json, io.out) },
  gpu: { positional: 0, flags: ['--json'], run: (core, _args, json, io) => gpuCommand(core, json, io) },
  'image list': { positional: 0, flags: ['--json'], run: (core, args, json, io) => imageCommand(core, ['list', ...args], json, io) },
  'image load': { positional: 1, flags: ['--json'], run: (core, args, json, io) => imageCommand(core, ['load', ...args], json, io) },
  'image save': { positional: 2, flags: ['--json', '--force'], run: (core, args, json, io) => imageCommand(core, ['save', ...args], json, io) },
  'image rm': { positional: 1, flags: ['--json'], run: (core, args, json, io) => imageCommand(core, ['rm', ...args], json, io) },
};

export async function main(argv: string[], out = (text: string) => console.log(text), err = (text: string) => console.error(text)): Promise<number> {
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
  const flags = rest.filter((arg) => arg.startsWith('--'));
  const positional = rest.filter((arg) => !arg.startsWith('--'));
  const unknown = flags.filter((flag) => !command.flags.includes(flag));
  if (unknown.length) return usageError(`unknown option for "${name}": ${unknown.join(' ')}`, err);
  if (positional.length !== command.positional) return usageError(`"${name}" takes ${command.positional} argument(s), got ${positional.length}`, err);

  const core = createCore({ settings: defaultSettingsStore() });
  const io: CliIo = { out, err, ...(process.stderr.isTTY ? { status: terminalStatus() } : {}) };
  try {
    return await command.run(core, rest.filter((arg) => arg !== '--json'), flags.includes('--json'), io);
  } finally {
    core.dispose();
  }
}

function terminalStatus(): (line: string) => void {
  return (line) => process.stderr.write(`\r\x1b[2K${line}`);
}

function usageError(message: string, err: (text: string) => void): number {
  err(`aucmedi-desk: ${message}\n\n${USAGE}`);
  return EXIT_USAGE;
}

function defaultSettingsStore(): JsonFileSettingsStore {
  return new JsonFileSettingsStore(path.join(userDataDir(process.platform, process.env, os.homedir()), SETTINGS_FILE_NAME));
}
