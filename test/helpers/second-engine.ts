/**
 * A SECOND, private Docker engine for fault tests: its own dockerd with its own unix socket,
 * data-root, exec-root and pidfile under a temporary folder, started `--iptables=false
 * --bridge=none` like the main one. dockerd starts its own containerd, whose socket, state and
 * root live under that exec-root and data-root (`<exec-root>/containerd/containerd.toml`), so
 * stopping, killing or restarting this engine never touches the main engine that other test files
 * use at the same time.
 *
 * Needs root and the dockerd binary. `cleanup()` is safe to call at any moment, even after a
 * failed start: it stops the containers, dockerd, its containerd and the shims it left, unmounts
 * whatever is still mounted under the folder (overlay layers, network namespaces, the data-root's
 * tmpfs) and removes it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';

export interface SecondEngine {
  /** The temporary folder everything lives under. */
  readonly dir: string;
  readonly socket: string;
  /** `unix://<socket>`, for the app's engineEndpoint setting and `docker -H`. */
  readonly endpoint: string;
  readonly log: string;
  /** dockerd's pid while it runs, else null. */
  pid(): number | null;
  /** True while dockerd answers /_ping. */
  answers(): Promise<boolean>;
  /**
   * Starts dockerd (again, on the same data-root) and waits until it answers. With `liveRestore`
   * its containers keep running while it is stopped, and it takes them up again at the next start.
   */
  start(options?: { liveRestore?: boolean }): Promise<void>;
  /**
   * SIGTERM to dockerd, then waits for it and its containerd to exit (with live-restore, the shims
   * and containers stay). Returns how long it took.
   */
  stop(): Promise<number>;
  /** The docker CLI against this engine. */
  docker(args: string[], options?: { allowFail?: boolean; timeoutMs?: number }): { code: number; stdout: string; stderr: string };
  /** `docker save TAG` from the main engine piped into `docker load` here. */
  loadFromMainEngine(tag: string): Promise<void>;
  cleanup(): Promise<void>;
}

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 30_000;
const DATA_ROOT_BYTES = 2 * 1024 ** 3;

/** Like requirements.ts: under CI=true a missing dockerd binary fails the file; locally it skips it, loudly. */
export function requireDockerd(): boolean {
  if (spawnSync('dockerd', ['--version'], { encoding: 'utf8' }).status === 0) return true;
  const message = 'the dockerd binary is not available (needed to start a second, private engine): install docker.io';
  if (process.env.CI === 'true' || process.env.CI === '1') throw new Error(`CI=true and ${message}`);
  console.warn(`\n*** SKIPPING: ${message} ***\n`);
  return false;
}

export interface SecondEngineOptions {
  /** Folder name prefix (a unix socket path must stay under 108 bytes). */
  prefix?: string;
  /** Put before `dockerd` at each start (e.g. `nsenter --mount=...` to start it in another mount namespace). */
  launcher?: () => string[];
  /** More dockerd arguments at each start (another listener, TLS). */
  extraArgs?: () => string[];
  /** The size of the data-root's tmpfs (default 2 GiB). */
  dataRootBytes?: number;
}

/** Creates the folders; `start()` starts the engine. */
export function secondEngine(options: SecondEngineOptions | string = {}): SecondEngine {
  const { prefix = '/tmp/aucmedi-engine2-', launcher = () => [], extraArgs = () => [], dataRootBytes = DATA_ROOT_BYTES } = typeof options === 'string' ? { prefix: options } : options;
  // Short path: a unix socket path must stay under 108 bytes (containerd's shim sockets derive from it).
  const dir = mkdtempSync(prefix);
  const socket = path.join(dir, 'docker.sock');
  const dataRoot = path.join(dir, 'data');
  const execRoot = path.join(dir, 'exec');
  const pidfile = path.join(dir, 'docker.pid');
  const log = path.join(dir, 'dockerd.log');
  mkdirSync(dataRoot);
  mkdirSync(execRoot);
  // The data-root on a tmpfs of its own (overlay2 works on tmpfs): loading the image is faster, and
  // cleaning up is an unmount instead of deleting ~8000 layer files from disk (15 s here). RAM is
  // used only as far as filled (the stand-in image: ~220 MB).
  const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${dataRootBytes},mode=0711`, 'tmpfs', dataRoot], { encoding: 'utf8' });
  if (mount.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`mounting a tmpfs for the second engine's data-root failed: ${mount.stderr || mount.error?.message}`);
  }
  let child: ChildProcess | null = null;
  let liveRestore = false;
  let exited: Promise<void> = Promise.resolve();

  const ping = () =>
    new Promise<boolean>((resolve) => {
      const request = http.get({ socketPath: socket, path: '/_ping', timeout: 2000 }, (response) => {
        response.resume();
        resolve(response.statusCode === 200);
      });
      request.on('timeout', () => request.destroy());
      request.on('error', () => resolve(false));
    });

  const cli: SecondEngine['docker'] = (args, options = {}) => {
    const result = spawnSync('docker', ['-H', `unix://${socket}`, ...args], { encoding: 'utf8', timeout: options.timeoutMs ?? 120_000, maxBuffer: 16 * 1024 * 1024 });
    if (!options.allowFail && result.status !== 0) throw new Error(`docker -H unix://${socket} ${args.join(' ')} failed: ${result.stderr || result.error?.message}`);
    return { code: result.status ?? -1, stdout: (result.stdout ?? '').trim(), stderr: (result.stderr ?? '').trim() };
  };

  const engine: SecondEngine = {
    dir,
    socket,
    endpoint: `unix://${socket}`,
    log,
    pid: () => (child && child.exitCode === null && child.signalCode === null ? child.pid ?? null : null),
    answers: ping,

    async start(options = {}) {
      if (engine.pid() !== null) throw new Error('the second engine is already running');
      liveRestore = options.liveRestore === true;
      const out = openSync(log, 'a');
      try {
        const args = ['--host', `unix://${socket}`, '--data-root', dataRoot, '--exec-root', execRoot, '--pidfile', pidfile, '--iptables=false', '--bridge=none', ...extraArgs(), ...(liveRestore ? ['--live-restore'] : [])];
        const [command, ...before] = [...launcher(), 'dockerd'];
        child = spawn(command!, [...before, ...args], { stdio: ['ignore', out, out] });
      } finally {
        closeSync(out);
      }
      const started = child;
      // If this process ends without cleanup() (a killed test worker), dockerd is still told to shut down.
      const onExit = () => started.kill('SIGTERM');
      process.once('exit', onExit);
      exited = new Promise<void>((resolve) =>
        started.once('exit', () => {
          process.removeListener('exit', onExit);
          resolve();
        }),
      );
      const end = Date.now() + START_TIMEOUT_MS;
      for (;;) {
        if (await ping()) return;
        if (started.exitCode !== null || started.signalCode !== null) throw new Error(`the second dockerd exited at start (see ${log}):\n${tail(log)}`);
        if (Date.now() > end) throw new Error(`the second dockerd did not answer within ${START_TIMEOUT_MS / 1000} s (see ${log}):\n${tail(log)}`);
        await sleep(100);
      }
    },

    async stop() {
      const pid = engine.pid();
      if (pid === null) return 0;
      const begun = Date.now();
      process.kill(pid, 'SIGTERM');
      const timedOut = await Promise.race([exited.then(() => false), sleep(STOP_TIMEOUT_MS).then(() => true)]);
      if (timedOut) throw new Error(`the second dockerd did not stop within ${STOP_TIMEOUT_MS / 1000} s after SIGTERM`);
      // dockerd stops its containerd on the way out; wait for that too, so a restart finds its socket free.
      await waitUntil(() => processesUnder(dir).filter((pid) => !(liveRestore && isShim(pid))).length === 0, 10_000);
      return Date.now() - begun;
    },

    docker: cli,

    async loadFromMainEngine(tag) {
      await new Promise<void>((resolve, reject) => {
        const pipe = spawn('bash', ['-o', 'pipefail', '-c', `docker save "$1" | docker -H "unix://$2" load`, 'load', tag, socket], { stdio: ['ignore', 'pipe', 'pipe'] });
        let output = '';
        pipe.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
        pipe.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
        pipe.on('error', reject);
        pipe.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`loading ${tag} into the second engine failed (${code}): ${output}`))));
      });
    },

    async cleanup() {
      if (engine.pid() !== null && (await ping())) {
        const ids = cli(['ps', '-aq'], { allowFail: true }).stdout.split('\n').filter(Boolean);
        if (ids.length) cli(['rm', '-f', ...ids], { allowFail: true, timeoutMs: 60_000 });
        await engine.stop().catch(() => undefined);
      }
      // Whatever is left (a dockerd that would not stop, its containerd, shims and their containers): killed by pid.
      const pid = engine.pid();
      if (pid !== null) {
        process.kill(pid, 'SIGKILL');
        await Promise.race([exited, sleep(5000)]);
      }
      for (const leftover of processesUnder(dir)) killTree(leftover);
      for (const mount of mountsUnder(dir)) spawnSync('umount', ['-l', mount]);
      rmSync(dir, { recursive: true, force: true });
      if (existsSync(dir)) throw new Error(`the second engine's folder ${dir} could not be removed`);
    },
  };
  return engine;
}

/** Pids of processes whose command line names `dir` (containerd --config <dir>/..., shims -address <dir>/...). */
function processesUnder(dir: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (cmdline.split('\0').some((arg) => arg.startsWith(dir))) pids.push(Number(name));
  }
  return pids;
}

/** A containerd shim: it holds a container while dockerd and containerd are away (live-restore). */
function isShim(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]!.includes('containerd-shim');
  } catch {
    return false;
  }
}

/** Kills a process and its descendants (a shim's container processes), children first. */
function killTree(pid: number): void {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      continue;
    }
  }
  const visit = (p: number) => {
    for (const child of children.get(p) ?? []) visit(child);
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  visit(pid);
}

/** Mount points at or under `dir`, deepest first. */
function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4]?.replace(/\\040/g, ' '))
    .filter((mount): mount is string => mount !== undefined && (mount === dir || mount.startsWith(`${dir}/`)))
    .sort((a, b) => b.length - a.length);
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function waitUntil(probe: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(100);
  }
}
