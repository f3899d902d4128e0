import { languageFromEnv, setCoreLanguage } from '../i18n';
import { main } from './main';
import { escapeControls } from './terminal-text';

/**
 * The command line, as `aucmedi-desk ARGS` (bin.ts) and `AUCMEDI Desk --cli ARGS` (electron/main.ts)
 * run it: English unless LC_ALL, LC_MESSAGES or LANG says German; resolves to the exit code.
 */
export async function runCommandLine(args: string[]): Promise<number> {
  setCoreLanguage(languageFromEnv());
  try {
    return await main(args);
  } catch (error) {
    console.error(escapeControls(`aucmedi-desk: ${error instanceof Error ? error.message : String(error)}`));
    return 1;
  }
}
