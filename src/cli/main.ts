import os from 'node:os';
import path from 'node:path';
import { createCore } from '../core';
import { JsonFileSettingsStore, SETTINGS_FILE_NAME, userDataDir } from '../settings/store';
import { APP_VERSION } from '../version';
import { engineCommand } from './engine-command';

const USAGE = `Usage: aucmedi-desk <command> [options]

Commands:
  engine [--json]    Check the Docker engine: exit 0 when it is ready, 1 when not.

Options:
  --json             Machine-readable output.
  --version          Print the version.
  --help             Print this help.`;

export const EXIT_USAGE = 2;

export async function main(argv: string[], out = (text: string) => console.log(text), err = (text: string) => console.error(text)): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    out(USAGE);
    return command ? 0 : EXIT_USAGE;
  }
  if (command === '--version' || command === '-v') {
    out(APP_VERSION);
    return 0;
  }
  const json = rest.includes('--json');
  const unknown = rest.filter((arg) => arg !== '--json');

  if (command === 'engine') {
    if (unknown.length) return usageError(`unknown option for "engine": ${unknown.join(' ')}`, err);
    const core = createCore({ settings: defaultSettingsStore() });
    try {
      return await engineCommand(core, json, out);
    } finally {
      core.dispose();
    }
  }
  return usageError(`unknown command "${command}"`, err);
}

function usageError(message: string, err: (text: string) => void): number {
  err(`aucmedi-desk: ${message}\n\n${USAGE}`);
  return EXIT_USAGE;
}

function defaultSettingsStore(): JsonFileSettingsStore {
  return new JsonFileSettingsStore(path.join(userDataDir(process.platform, process.env, os.homedir()), SETTINGS_FILE_NAME));
}
