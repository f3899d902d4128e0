import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A fake `nvidia-smi`: a small POSIX shell script on a PATH of its own that prints a recorded fixture
 * and exits with the recorded exit code. The real detection code runs it exactly as it would run the
 * real one (execFile, no shell on our side). What each kind of call prints lives in files the test can
 * change between calls:
 *   <dir>/<kind>.out   what it prints      <dir>/<kind>.code   its exit code
 *   <dir>/<kind>.hang  it hangs            <dir>/<kind>.stubborn  it hangs, and a child keeps its output open
 *   <dir>/<kind>.delay seconds it takes
 * where kind is query (the host query), query-nodriver (the same without driver_version), util (the
 * utilisation query), banner (no arguments), list (-L), other; `all` answers any kind without its own file.
 * Every call appends "start KIND" and "end KIND" to <dir>/calls.log.
 */

export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/nvidia-smi');

interface FixtureIndex {
  fixtures: Record<string, { command: string; exitCode: number; source: string }>;
  scenarios: Record<string, Partial<Record<CallKind | '*', string>>>;
}
export const fixtureIndex: FixtureIndex = JSON.parse(readFileSync(path.join(FIXTURES, 'index.json'), 'utf8'));

export type CallKind = 'query' | 'query-nodriver' | 'util' | 'banner' | 'list' | 'other' | 'all';

export function fixture(name: string): string {
  return readFileSync(path.join(FIXTURES, name), 'utf8');
}

const SCRIPT = (dir: string) => `#!/bin/sh
D='${dir.replace(/'/g, `'\\''`)}'
case "$*" in
  *utilization.gpu*) K=util ;;
  *driver_version*) K=query ;;
  *--query-gpu=index,name,memory.total,uuid*) K=query-nodriver ;;
  -L) K=list ;;
  '') K=banner ;;
  *) K=other ;;
esac
C=$K
echo "start $C" >> "$D/calls.log"
if [ ! -f "$D/$K.out" ] && [ ! -f "$D/$K.code" ] && [ ! -f "$D/$K.hang" ] && [ ! -f "$D/$K.stubborn" ]; then K=all; fi
if [ -f "$D/$K.stubborn" ]; then
  sleep 30 &
  echo $! > "$D/orphan.pid"
  exec sleep 30
fi
if [ -f "$D/$K.hang" ]; then exec sleep 30; fi
if [ -f "$D/$K.delay" ]; then sleep "$(cat "$D/$K.delay")"; fi
if [ -f "$D/$K.out" ]; then cat "$D/$K.out"; fi
echo "end $C" >> "$D/calls.log"
exit "$(cat "$D/$K.code" 2>/dev/null || echo 0)"
`;

export class FakeNvidiaSmi {
  readonly binDir: string;
  readonly stateDir: string;

  constructor(readonly root: string) {
    this.binDir = path.join(root, 'bin');
    this.stateDir = path.join(root, 'state');
    mkdirSync(this.binDir, { recursive: true });
    mkdirSync(this.stateDir, { recursive: true });
    const script = path.join(this.binDir, 'nvidia-smi');
    writeFileSync(script, SCRIPT(this.stateDir));
    chmodSync(script, 0o755);
  }

  /** The environment to run detection in: only the fake's folder and the basics the script needs on PATH. */
  get env(): NodeJS.ProcessEnv {
    return { ...process.env, PATH: `${this.binDir}:/usr/bin:/bin` };
  }

  /** Answers `kind` with a recorded fixture and the exit code recorded for it in index.json. */
  answer(kind: CallKind, fixtureName: string, exitCode?: number): this {
    const recorded = fixtureIndex.fixtures[fixtureName];
    if (!recorded && exitCode === undefined) throw new Error(`fixture ${fixtureName} is not in index.json`);
    this.put(`${kind}.out`, readFileSync(path.join(FIXTURES, fixtureName)));
    this.put(`${kind}.code`, String(exitCode ?? recorded!.exitCode));
    return this;
  }

  /** Loads a scenario of index.json (which fixture answers which call). */
  scenario(name: string): this {
    const scenario = fixtureIndex.scenarios[name];
    if (!scenario) throw new Error(`no scenario ${name} in index.json`);
    for (const [kind, file] of Object.entries(scenario)) this.answer(kind === '*' ? 'all' : (kind as CallKind), file!);
    return this;
  }

  /** Answers `kind` with raw text (for cases no fixture records). */
  answerText(kind: CallKind, text: string, exitCode: number): this {
    this.put(`${kind}.out`, text);
    this.put(`${kind}.code`, String(exitCode));
    return this;
  }

  /** Replaces a state file at once (write, then rename), so a running fake never reads half of it. */
  private put(name: string, content: string | Buffer): void {
    const target = path.join(this.stateDir, name);
    writeFileSync(`${target}.tmp`, content);
    renameSync(`${target}.tmp`, target);
  }

  hang(kind: CallKind, stubborn = false): this {
    writeFileSync(path.join(this.stateDir, `${kind}.${stubborn ? 'stubborn' : 'hang'}`), '');
    return this;
  }

  delay(kind: CallKind, seconds: number): this {
    writeFileSync(path.join(this.stateDir, `${kind}.delay`), String(seconds));
    return this;
  }

  /** Forgets every answer (the calls log stays). */
  reset(): this {
    rmSync(this.stateDir, { recursive: true, force: true });
    mkdirSync(this.stateDir, { recursive: true });
    return this;
  }

  calls(): string[] {
    const log = path.join(this.stateDir, 'calls.log');
    return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
  }

  /** Ends the background child a stubborn hang leaves behind (it was started by this test). */
  killOrphan(): void {
    const pidFile = path.join(this.stateDir, 'orphan.pid');
    if (!existsSync(pidFile)) return;
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    if (pid > 0) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(pidFile, { force: true });
  }
}
