import { main } from './main';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`aucmedi-desk: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
