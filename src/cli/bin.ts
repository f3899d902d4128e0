import { languageFromEnv, setCoreLanguage } from '../i18n';
import { main } from './main';
import { escapeControls } from './terminal-text';

// English unless LC_ALL, LC_MESSAGES or LANG says German.
setCoreLanguage(languageFromEnv());
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(escapeControls(`aucmedi-desk: ${error instanceof Error ? error.message : String(error)}`));
    process.exitCode = 1;
  },
);
