// bench/image-load: load an image tarball of at least 1 GiB through the core (hashing and verifying
// its .sha256 on the way) and with `docker load`, in the same run, alternating; print the ratio and
// the core's peak memory for a 1 GiB and a 256 MiB tarball (flat memory: the two peaks are alike).
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const GIB = Number(process.env.BENCH_GIB ?? 1);
const work = path.join(process.env.BENCH_DIR ?? os.tmpdir(), 'aucmedi-bench-image-load');

function sh(command: string, args: string[]) {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.trim();
}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A tarball of an image whose single layer holds `mib` MiB of random bytes (incompressible, unique). */
async function makeTarball(tag: string, mib: number): Promise<string> {
  const root = path.join(work, `root-${mib}`);
  mkdirSync(root, { recursive: true });
  for (let i = 0; i < mib / 64; i += 1) writeFileSync(path.join(root, `blob-${i}.bin`), randomBytes(64 << 20));
  const rootTar = path.join(work, `root-${mib}.tar`);
  sh('tar', ['-C', root, '-cf', rootTar, '.']);
  rmSync(root, { recursive: true, force: true });
  sh('docker', ['import', rootTar, tag]);
  rmSync(rootTar);
  const file = path.join(work, `image-${mib}.tar`);
  sh('docker', ['save', '-o', file, tag]);
  sh('docker', ['rmi', tag]);
  writeFileSync(`${file}.sha256`, `${await sha256(file)}  ${path.basename(file)}\n`);
  return file;
}

/**
 * Each load starts with the disk as quiet as the last one left it: the engine writes the image's
 * layers (twice the tarball size) and the writeback of one load otherwise slows the next.
 */
const settle = () => sh('sync', []);

function timeDockerLoad(file: string, tag: string): number {
  settle();
  const started = performance.now();
  sh('docker', ['load', '-q', '-i', file]);
  const ms = performance.now() - started;
  sh('docker', ['rmi', tag]);
  return ms;
}

function timeCoreLoad(file: string, tag: string): { ms: number; maxRssMiB: number; baselineRssMiB: number } {
  settle();
  const out = sh(process.execPath, [path.join(path.dirname(new URL(import.meta.url).pathname), 'load-once.mjs'), file]);
  const result = JSON.parse(out.split('\n').pop()!);
  if (result.checksum !== 'verified') throw new Error('the checksum was not verified');
  sh('docker', ['rmi', tag]);
  return result;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
try {
  const bigTag = 'aucmedi-desk/bench-load:big';
  const smallTag = 'aucmedi-desk/bench-load:small';
  console.log(`making a ${GIB} GiB and a 256 MiB image tarball in ${work} ...`);
  const big = await makeTarball(bigTag, GIB * 1024);
  const small = await makeTarball(smallTag, 256);
  const sizeGiB = statSync(big).size / 2 ** 30;

  // Warm the page cache for both readers alike.
  await sha256(big);
  const docker: number[] = [];
  const ours: number[] = [];
  const peaks: number[] = [];
  for (let round = 1; round <= ROUNDS; round += 1) {
    docker.push(timeDockerLoad(big, bigTag));
    const core = timeCoreLoad(big, bigTag);
    ours.push(core.ms);
    peaks.push(core.maxRssMiB - core.baselineRssMiB);
    console.log(`round ${round}: docker load ${(docker.at(-1)! / 1000).toFixed(2)} s, core load+sha256 ${(core.ms / 1000).toFixed(2)} s, core RSS peak ${core.maxRssMiB.toFixed(0)} MiB (+${(core.maxRssMiB - core.baselineRssMiB).toFixed(0)} MiB over its start)`);
  }
  const smallRun = timeCoreLoad(small, smallTag);
  // docker load's time includes starting the CLI; the core's does not (the app is already running).
  const cliStarts = Array.from({ length: 5 }, () => {
    const started = performance.now();
    sh('docker', ['version', '--format', '{{.Server.Version}}']);
    return performance.now() - started;
  });
  const ratio = median(ours) / median(docker);
  console.log('');
  console.log(`tarball: ${sizeGiB.toFixed(2)} GiB; ${ROUNDS} rounds, medians`);
  console.log(`docker load:            ${(median(docker) / 1000).toFixed(2)} s (${(sizeGiB * 1024 / (median(docker) / 1000)).toFixed(0)} MiB/s)`);
  console.log(`core load (+sha256):    ${(median(ours) / 1000).toFixed(2)} s (${(sizeGiB * 1024 / (median(ours) / 1000)).toFixed(0)} MiB/s)`);
  console.log(`ratio core/docker load: ${ratio.toFixed(3)} (goal <= 1.05)`);
  console.log(`(docker CLI start and one API call, in docker load's time: ${median(cliStarts).toFixed(0)} ms)`);
  console.log(`core memory growth while loading: ${median(peaks).toFixed(0)} MiB for ${sizeGiB.toFixed(2)} GiB, ${(smallRun.maxRssMiB - smallRun.baselineRssMiB).toFixed(0)} MiB for 0.25 GiB (flat = alike)`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
