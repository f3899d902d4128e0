import { describe, expect, it } from 'vitest';
import { EXIT_USAGE, main, parseArguments } from '../../../src/cli/main';
import { formatEngineStatus } from '../../../src/cli/engine-command';

const capture = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, o: (t: string) => void out.push(t), e: (t: string) => void err.push(t) };
};

describe('aucmedi-desk command line', () => {
  it('exits 2 with the usage on an unknown command or option', async () => {
    const c = capture();
    expect(await main(['frobnicate'], c.o, c.e)).toBe(EXIT_USAGE);
    expect(c.err.join('\n')).toMatch(/unknown command "frobnicate"[\s\S]*Usage: aucmedi-desk/);
    expect(await main(['engine', '--yaml'], c.o, c.e)).toBe(EXIT_USAGE);
    expect(await main([], c.o, c.e)).toBe(EXIT_USAGE);
  });

  it('prints help and version with exit 0', async () => {
    const c = capture();
    expect(await main(['--help'], c.o, c.e)).toBe(0);
    expect(await main(['--version'], c.o, c.e)).toBe(0);
    expect(c.out[1]).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('formats a problem with its action and details', () => {
    const text = formatEngineStatus({
      ok: false,
      code: 'ENGINE_NOT_RUNNING',
      message: 'Docker is installed but not running.',
      action: 'Start Docker.',
      detail: 'connect ENOENT',
      endpoint: 'unix:///var/run/docker.sock',
      endpointSource: 'default',
      checkedAt: new Date().toISOString(),
    });
    expect(text).toBe(
      [
        'Docker engine: ENGINE_NOT_RUNNING',
        '  Docker is installed but not running.',
        '  What to do: Start Docker.',
        '  Endpoint:   unix:///var/run/docker.sock (default)',
        '  Details:    connect ENOENT',
      ].join('\n'),
    );
  });
});

describe('parseArguments', () => {
  it('separates positional arguments, flags and options with values', () => {
    expect(parseArguments(['/data', '--gt', '/a.csv', '--ohe', '--json'], { flags: ['--ohe', '--json'], options: ['--gt'] })).toEqual({
      positional: ['/data'],
      flags: ['--ohe', '--json'],
      values: { '--gt': '/a.csv' },
    });
    expect(parseArguments(['--gt'], { flags: [], options: ['--gt'] })).toBe('--gt needs a value');
    expect(parseArguments(['--nope'], { flags: [], options: [] })).toBe('unknown option --nope');
  });
});

describe('a conventional command line (node:util parseArgs)', () => {
  const spec = { flags: ['--ohe', '--json'], options: ['--gt', '--epochs'], integers: ['--epochs'] };

  it('takes --opt=VALUE as --opt VALUE, and everything after -- as positional', () => {
    expect(parseArguments(['/data', '--gt=/a=b.csv', '--epochs=12'], spec)).toEqual({ positional: ['/data'], flags: [], values: { '--gt': '/a=b.csv', '--epochs': '12' } });
    expect(parseArguments(['--ohe', '--', '--json', '-weird'], spec)).toEqual({ positional: ['--json', '-weird'], flags: ['--ohe'], values: {} });
    expect(parseArguments(['/d', '--epochs', '-1'], spec)).toBe('--epochs takes a whole number in plain digits (like 20), not "-1"');
    expect(parseArguments(['/d', '--gt=--ohe'], spec)).toEqual({ positional: ['/d'], flags: [], values: { '--gt': '--ohe' } });
    expect(parseArguments(['/d', '--gt', '--ohe'], spec)).toBe('--gt needs a value');
    expect(parseArguments(['/d', '--gt='], spec)).toBe('--gt needs a value, not an empty one');
    expect(parseArguments(['/d', '--json=yes'], spec)).toBe('--json takes no value');
    expect(parseArguments(['/d', '-x'], spec)).toBe('unknown option -x');
  });

  it('prints each command\'s own help for COMMAND --help or -h, with exit 0, before checking anything else', async () => {
    for (const [argv, synopsis, doing] of [
      [['train', '--help'], 'Usage: aucmedi-desk train DATASET [--gt FILE]', 'Train in the foreground with progress'],
      [['dicom', 'convert', '/nowhere', '--bogus', '-h'], 'Usage: aucmedi-desk dicom convert DIR --out DIR', 'Convert the 2D images'],
      [['engine', '--help'], 'Usage: aucmedi-desk engine [--engine NAME] [--json]', 'Check the Docker engine'],
      [['engine', 'add', '--help'], 'Usage: aucmedi-desk engine add NAME URL [--identity-file FILE] [--tls-ca FILE --tls-cert FILE --tls-key FILE]', 'Add a remote engine'],
      [['runs', 'stop', '--help'], 'Usage: aucmedi-desk runs stop ID', 'Stop a run'],
    ] as const) {
      const c = capture();
      expect(await main([...argv], c.o, c.e), argv.join(' ')).toBe(0);
      const text = c.out.join('\n');
      expect(text.startsWith(synopsis), text).toBe(true);
      expect(text).toContain(doing);
      expect(text).toMatch(/130 stopped with Ctrl-C/);
      expect(text).not.toContain('Commands:');
    }
    // after --, --help is a path: here a dataset folder of that name, which does not exist
    const c = capture();
    expect(await main(['dataset', 'validate', '--', '--help'], c.o, c.e)).toBe(1);
    expect(c.err.join('\n')).toMatch(/--help/);
    expect(c.out.join('\n')).not.toContain('Usage:');
  });
});
