import { afterEach, describe, expect, it } from 'vitest';
import { EXIT_USAGE, main, parseArguments } from '../../../src/cli/main';
import { setCoreLanguage } from '../../../src/i18n';

const capture = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, o: (t: string) => void out.push(t), e: (t: string) => void err.push(t) };
};

describe('the command line speaks the core language (LANG=de_DE: German, LANG=C: English)', () => {
  afterEach(() => setCoreLanguage('en'));

  it('prints the help in German under setCoreLanguage("de"), commands and options untranslated', async () => {
    setCoreLanguage('de');
    const c = capture();
    expect(await main(['--help'], c.o, c.e)).toBe(0);
    const help = c.out.join('\n');
    expect(help).toMatch(/^Aufruf: aucmedi-desk <Befehl> \[Optionen\]\n\nBefehle:\n/);
    expect(help).toContain(`  engine [--engine NAME] [--json]\n${' '.repeat(34)}Prüft die Docker-Engine`);
    expect(help).toContain('  engine list [--json]            Die Engines nach Namen');
    expect(help).toContain('Optionen:\n  --json             Maschinenlesbare Ausgabe');
    expect(help).toContain('Exit-Codes: 0 Erfolg');
    expect(help).not.toContain('Usage:');

    const train = capture();
    expect(await main(['train', '--help'], train.o, train.e)).toBe(0);
    expect(train.out.join('\n')).toMatch(/^Aufruf: aucmedi-desk train DATASET \[--gt FILE\][\s\S]*\n\n {2}Trainiert im Vordergrund/);
  });

  it('says usage errors in German under setCoreLanguage("de")', async () => {
    setCoreLanguage('de');
    const c = capture();
    expect(await main(['frobnicate'], c.o, c.e)).toBe(EXIT_USAGE);
    expect(c.err.join('\n')).toMatch(/^aucmedi-desk: unbekannter Befehl „frobnicate“\n\nAufruf: aucmedi-desk/);
    expect(parseArguments(['--gt'], { flags: [], options: ['--gt'] })).toBe('--gt braucht einen Wert');
  });

  it('prints the help and usage errors in English, as before, under setCoreLanguage("en")', async () => {
    setCoreLanguage('de');
    setCoreLanguage('en');
    const c = capture();
    expect(await main(['--help'], c.o, c.e)).toBe(0);
    const help = c.out.join('\n');
    expect(help).toMatch(/^Usage: aucmedi-desk <command> \[options\]\n\nCommands:\n {2}engine \[--engine NAME\] \[--json\]\n {34}Check the Docker engine: exit 0 when it is ready, 1 when not\.\n {2}engine list \[--json\] {12}The engines by name/);
    expect(help).toContain('\n  weights import SOURCE [--json]  Copy weights from a folder');
    expect(help).toContain(
      '\n  train DATASET [--gt FILE] [--ohe] [--architecture KEY[,KEY]] [--analysis minimal|standard|advanced]\n        [--epochs N] [--batch-size N] [--workers N] [--metalearner M] [--three-dim]\n',
    );
    expect(help).toContain('\nOptions:\n  --json             Machine-readable output: one JSON object per line (progress, then the result).\n');
    expect(help).toMatch(/\n\nExit codes: 0 success, 1 failure \(the message says what to do\), 2 wrong usage, 130 stopped with Ctrl-C \(or SIGTERM\)\.$/);

    const e = capture();
    expect(await main(['engine', 'extra'], e.o, e.e)).toBe(EXIT_USAGE);
    expect(e.err.join('\n')).toMatch(/^aucmedi-desk: "engine" takes 0 argument\(s\), got 1\n\nUsage: aucmedi-desk <command> \[options\]/);
  });
});
