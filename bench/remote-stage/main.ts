// bench/remote-stage: stage a dataset of 20 000 files (about 1 GB) into a volume on a TLS engine
// that cannot see this machine's files, and download a 500 MB output from one, through the core
// (src/engine/staging.ts), against `tar -c DIR | docker -H ... cp - CONTAINER:/stage` and
// `docker cp CONTAINER:/stage/. DIR` over the same transport, in the same run, alternating.
// Prints the ratios (upload without and with the server-side check), the CPU seconds the machine spent
// during each upload (client and server share its cores), and the core's peak memory
// for the full and a quarter-size dataset (flat memory: the two peaks are alike).
// With BENCH_LINK_MBIT=N both reach the engine through a link of N Mbit/s (bench/remote-stage/link.ts),
// as across a hospital's LAN; without it over loopback, where the shared cores are the limit.
// Needs root, dockerd, sshd, openssl (the test set-up's remote engine, test/helpers/remote-engine.ts).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startRemoteEngine } from '../../test/helpers/remote-engine';
import { startLink } from './link';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const FILES = Number(process.env.BENCH_FILES ?? 20_000);
const FILE_KIB = Number(process.env.BENCH_FILE_KIB ?? 50);
const OUTPUT_MIB = Number(process.env.BENCH_OUTPUT_MIB ?? 500);
const LINK_MBIT = Number(process.env.BENCH_LINK_MBIT ?? 0);
const IMAGE = process.env.AUCMEDI_STANDIN_TAG ?? 'aucmedi-desk/aucmedi-stand-in:test';
const work = path.join(process.env.BENCH_DIR ?? os.tmpdir(), 'aucmedi-bench-remote-stage');

function sh(command: string, args: string[], input?: string) {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 26, ...(input ? { input } : {}) });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.trim();
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
/** The machine's busy CPU time so far, all cores together (/proc/stat, in clock ticks of 1/100 s; idle and iowait left out). */
function busyTicks(): number {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const ticks = fields.slice(0, 8).map(Number);
  return ticks.reduce((sum, n) => sum + n, 0) - ticks[3]! - ticks[4]!;
}
/** Runs `work` and adds the CPU seconds the whole machine spent meanwhile, and the seconds it took, to `into`. */
function metered<T>(into: Array<{ cpu: number; wall: number }>, work: () => T): T {
  const before = { ticks: busyTicks(), at: performance.now() };
  const result = work();
  into.push({ cpu: (busyTicks() - before.ticks) / 100, wall: (performance.now() - before.at) / 1000 });
  return result;
}

function makeDataset(dir: string, files: number): void {
  for (let i = 0; i < files; i++) {
    const folder = path.join(dir, `class${i % 4}`, `part${Math.floor(i / 1000)}`);
    if (i % 1000 < 4) mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, `image${i}.png`), randomBytes(FILE_KIB * 1024));
  }
}

rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
// room for the image, the 1 GB dataset twice over (ours, then the reference) and the output
const remote = await startRemoteEngine({ dataRootBytes: 6 * 1024 ** 3 });
let link: Awaited<ReturnType<typeof startLink>> | null = null;
try {
  await remote.engine.loadFromMainEngine(IMAGE);
  // BENCH_LINK_MBIT: both sides reach the engine through a link of that speed (bench/remote-stage/link.ts)
  link = LINK_MBIT > 0 ? await startLink(remote.tlsPort, LINK_MBIT) : null;
  const url = link ? `tcp://127.0.0.1:${link.port}` : remote.tlsUrl;
  const tlsArgs = ['-H', url, '--tlsverify', `--tlscacert=${remote.certs.ca}`, `--tlscert=${remote.certs.cert}`, `--tlskey=${remote.certs.key}`];
  const cli = (args: string[]) => sh('docker', [...tlsArgs, ...args]);
  const entry = JSON.stringify({ name: 'bench', url, tls: { ca: remote.certs.ca, cert: remote.certs.cert, key: remote.certs.key }, identityFile: null });
  const once = path.join(path.dirname(new URL(import.meta.url).pathname), 'stage-once.mjs');
  const ours = (mode: 'in' | 'out', volume: string, dir: string) => JSON.parse(sh(process.execPath, [once, mode, entry, IMAGE, volume, dir]).split('\n').pop()!);

  const big = path.join(work, 'dataset');
  const quarter = path.join(work, 'quarter');
  console.log(`making ${FILES} files of ${FILE_KIB} KiB in ${big} ...`);
  makeDataset(big, FILES);
  makeDataset(quarter, Math.round(FILES / 4));
  sh('sync', []);

  // an output of OUTPUT_MIB MiB in a volume on the server, as a run leaves it (models, logs)
  cli(['volume', 'create', 'bench-out']);
  remote.engine.docker(['run', '--rm', '--network', 'none', '--entrypoint', 'sh', '-v', 'bench-out:/v', IMAGE, '-c', `mkdir -p /v/model && for i in $(seq 1 5); do head -c ${(OUTPUT_MIB / 5) << 20} /dev/urandom > /v/model/part$i.keras; done`]);

  const upload = { ours: [] as number[], oursChecked: [] as number[], reference: [] as number[] };
  const download = { ours: [] as number[], reference: [] as number[] };
  // the machine's CPU seconds during each upload: client and server share the cores here
  // (ours: the whole process, its start included, as the machine's CPU seconds are)
  const cpu = { ours: [] as Array<{ cpu: number; wall: number }>, reference: [] as Array<{ cpu: number; wall: number }> };
  let peakBig = 0;
  let peakQuarter = 0;
  for (let round = 0; round < ROUNDS; round++) {
    sh('sync', []);
    const result = metered(cpu.ours, () => ours('in', `bench-in-${round}`, big));
    upload.ours.push(result.uploadMs);
    upload.oursChecked.push(result.ms);
    peakBig = Math.max(peakBig, result.maxRssMiB);
    cli(['volume', 'rm', `bench-in-${round}`]);

    sh('sync', []);
    cli(['volume', 'create', `bench-ref-${round}`]);
    const helper = cli(['create', '--network', 'none', '-v', `bench-ref-${round}:/stage`, '--entrypoint', 'true', IMAGE]);
    const started = performance.now();
    metered(cpu.reference, () => sh('bash', ['-o', 'pipefail', '-c', `tar -C "$1" -c . | docker ${tlsArgs.map((a) => `'${a}'`).join(' ')} cp - "$2":/stage`, 'ref', big, helper]));
    upload.reference.push(performance.now() - started);
    cli(['rm', '-v', helper]);
    cli(['volume', 'rm', `bench-ref-${round}`]);

    const outOurs = path.join(work, `out-ours-${round}`);
    sh('sync', []);
    download.ours.push(ours('out', 'bench-out', outOurs).ms);
    rmSync(outOurs, { recursive: true, force: true });
    const outRef = path.join(work, `out-ref-${round}`);
    mkdirSync(outRef);
    const reader = cli(['create', '--network', 'none', '-v', 'bench-out:/stage:ro', '--entrypoint', 'true', IMAGE]);
    sh('sync', []);
    const begun = performance.now();
    cli(['cp', `${reader}:/stage/.`, outRef]);
    download.reference.push(performance.now() - begun);
    cli(['rm', '-v', reader]);
    rmSync(outRef, { recursive: true, force: true });

    const small = ours('in', `bench-quarter-${round}`, quarter);
    peakQuarter = Math.max(peakQuarter, small.maxRssMiB);
    cli(['volume', 'rm', `bench-quarter-${round}`]);
    console.log(`round ${round + 1}: upload ours ${(result.uploadMs / 1000).toFixed(1)} s (+check ${((result.ms - result.uploadMs) / 1000).toFixed(1)} s), tar|docker cp ${(upload.reference.at(-1)! / 1000).toFixed(1)} s; download ours ${(download.ours.at(-1)! / 1000).toFixed(1)} s, docker cp ${(download.reference.at(-1)! / 1000).toFixed(1)} s`);
  }
  // the rounds alternate, and the machine's speed drifts between them: each round's ratio too
  const ratio = (a: number[], b: number[]) => `${(median(a) / median(b)).toFixed(2)} (median of the rounds' ratios ${median(a.map((x, i) => x / b[i]!)).toFixed(2)})`;
  if (link) console.log(`both through a link of ${LINK_MBIT} Mbit/s each way (bench/remote-stage/link.ts)`);
  console.log(`upload of ${FILES} files (${((FILES * FILE_KIB) / 1024).toFixed(0)} MiB), median of ${ROUNDS}: ours ${(median(upload.ours) / 1000).toFixed(1)} s, tar | docker cp ${(median(upload.reference) / 1000).toFixed(1)} s: ratio ${ratio(upload.ours, upload.reference)}`);
  console.log(`  with the server-side check (every file hashed there): ${(median(upload.oursChecked) / 1000).toFixed(1)} s: ratio ${ratio(upload.oursChecked, upload.reference)}`);
  const cores = os.cpus().length;
  const busy = (spent: Array<{ cpu: number; wall: number }>) => `${median(spent.map((s) => s.cpu)).toFixed(1)} CPU s (${median(spent.map((s) => s.cpu / s.wall)).toFixed(2)} of the ${cores} cores busy)`;
  console.log(`  the machine meanwhile (workstation and server share its cores): ours with the check ${busy(cpu.ours)}, tar | docker cp ${busy(cpu.reference)}`);
  console.log(`download of ${OUTPUT_MIB} MiB: ours ${(median(download.ours) / 1000).toFixed(1)} s, docker cp ${(median(download.reference) / 1000).toFixed(1)} s: ratio ${ratio(download.ours, download.reference)}`);
  console.log(`core peak memory: ${peakBig.toFixed(0)} MiB for ${FILES} files, ${peakQuarter.toFixed(0)} MiB for ${Math.round(FILES / 4)}`);
} finally {
  await link?.close();
  await remote.cleanup();
  rmSync(work, { recursive: true, force: true });
}
