/**
 * The command line of an installed app: `AUCMEDI Desk --cli train ...` (the packaged binary cannot
 * run as plain Node.js, its RunAsNode fuse is off). The arguments after `--cli`, or null for the
 * window. Only the first argument after the program (and, unpackaged, after the app folder Electron
 * was given) counts, so a file named `--cli` elsewhere on the line opens no CLI.
 */
export function cliArguments(argv: readonly string[], packaged: boolean): string[] | null {
  const first = packaged ? 1 : 2;
  return argv[first] === '--cli' ? argv.slice(first + 1) : null;
}
