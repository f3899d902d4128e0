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
