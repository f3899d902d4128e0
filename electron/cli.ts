import { languageFromEnv, setCoreLanguage } from '../src/i18n';
import { main } from '../src/cli/main';
import { escapeControls } from '../src/cli/terminal-text';

/** `AUCMEDI Desk --cli ARGS`: the command line of an installed app, run before any window; resolves to the exit code. */
export async function runCli(args: string[]): Promise<number> {
  setCoreLanguage(languageFromEnv());
  try {
    return await main(args);
  } catch (error) {
    console.error(escapeControls(`aucmedi-desk: ${error instanceof Error ? error.message : String(error)}`));
    return 1;
  }
}
