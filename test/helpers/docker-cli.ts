import { spawnSync } from 'node:child_process';

/** The docker CLI, as an independent witness of what the engine holds. Throws on failure unless `allowFail`. */
export function docker(args: string[], options: { input?: string | Buffer; allowFail?: boolean; timeoutMs?: number } = {}) {
  const result = spawnSync('docker', args, { input: options.input, encoding: 'utf8', timeout: options.timeoutMs ?? 300_000, maxBuffer: 64 * 1024 * 1024 });
  if (!options.allowFail && result.status !== 0) throw new Error(`docker ${args.join(' ')} failed: ${result.stderr || result.error?.message}`);
  return { code: result.status ?? -1, stdout: result.stdout.trim(), stderr: result.stderr.trim() };
}

export const imageExists = (reference: string) => docker(['image', 'inspect', reference], { allowFail: true }).code === 0;

/** Every image id and tag in the engine, to show that a failed operation changed nothing. */
export const engineImageState = () => docker(['images', '-a', '--no-trunc', '--format', '{{.ID}} {{.Repository}}:{{.Tag}}']).stdout.split('\n').sort().join('\n');

export const STAND_IN_TAG = process.env.AUCMEDI_STANDIN_TAG ?? 'aucmedi-desk/aucmedi-stand-in:test';

export function buildStandIn(): void {
  const result = spawnSync('bash', ['docker/stand-in/build.sh'], { encoding: 'utf8', timeout: 900_000, stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.status !== 0) throw new Error(`building the stand-in image failed:\n${result.stdout}\n${result.stderr}`);
}

/** A tag of its own for a test: an image derived from the stand-in with a unique label, so its id is the test's alone. */
export function ownStandInCopy(tag: string): void {
  docker(['build', '--network', 'none', '-q', '-t', tag, '-'], { input: `FROM ${STAND_IN_TAG}\nLABEL org.aucmedi-desk.test-copy="${tag}"\n` });
}
