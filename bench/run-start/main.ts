// bench/run-start: how long the core takes from "start training" (the `runs:start-training` handler,
// a Vanilla CPU request on a tiny dataset, stand-in image) until its container is running, against
// starting the same container without the core, in the same run, alternating:
//   (a) the core: `runs:start-training` until it answers with state 'running' (the container started);
//   (b) dockerode createContainer + start with the same options object (runContainerOptions with the
//       spec the service builds: same image id, args, binds, env, tmpfs, user, hardening) = the reference;
//   (c) `docker run -d` with the same options as docker CLI flags (for information: a CLI process);
//   (d) for the diagnosis: a RunService wired as createCore wires it, but whose preflight dataset scan
//       is answered with a report made beforehand (what (a) would cost without the scan).
// Each container is removed right after its start is timed (and checked running). Prints medians, the
// ratios (goal: core/reference < 1.2), and where the core's time goes: an HTTP timeline of one start
// (every engine call it makes, from the docker-modem layer) and the preflight steps timed on their own.
//
//   node bench/run.mjs run-start          (BENCH_ROUNDS=9, BENCH_DIR=/tmp, AUCMEDI_STANDIN_TAG=...)
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import Docker from 'dockerode';
import Modem from 'docker-modem';
import type { RunRecord, TrainingRequest } from '../../src/api/runs';
import { createCore } from '../../src/core';
import { PROBE_WORKER_SOURCE } from '../../src/dataset/probe-worker-source';
import { scanDataset, scanDatasetForRun } from '../../src/dataset/scan';
import { createDockerClient } from '../../src/engine/client';
import { RUN_ID_LABEL } from '../../src/engine/containers';
import { candidateEndpoints, chooseEndpoint } from '../../src/engine/endpoint';
import { runContainerOptions } from '../../src/engine/run-container';
import { DockerRunBackend } from '../../src/engine/docker-run-backend';
import { claimOutputFolder } from '../../src/runs/preflight';
import { RunService } from '../../src/runs/service';
import { RunStore } from '../../src/runs/store';
import { mountedStepMounts, stepContainerSpec } from '../../src/runs/step-mounts';
import { JsonFileSettingsStore } from '../../src/settings/store';
import { makeClassDataset } from '../../test/helpers/images';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const TAG = process.env.AUCMEDI_STANDIN_TAG ?? 'aucmedi-desk/aucmedi-stand-in:test';
const work = path.join(process.env.BENCH_DIR ?? os.tmpdir(), `aucmedi-bench-run-start-${process.pid}`);
const dataset = path.join(work, 'dataset');
const dataDir = path.join(work, 'app-data');
const weightsDir = path.join(dataDir, 'weights');
const BENCH_LABEL = 'org.aucmedi-desk.bench';

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const ms = (v: number) => `${v.toFixed(1)} ms`;

function sh(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')}: ${result.stderr || result.error?.message}`);
  return result.stdout.trim();
}

// --- every engine call, timed at the docker-modem layer (all dockerode calls go through dial) ---
interface Call {
  method: string;
  path: string;
  start: number;
  end: number;
}
let trace: Call[] | null = null;
const dial = Modem.prototype.dial;
Modem.prototype.dial = function (this: Modem, options: { method: string; path: string }, callback: (error: unknown, data: unknown) => void) {
  const calls = trace;
  if (!calls) return dial.call(this, options, callback);
  const call: Call = { method: options.method, path: options.path.replace(/\?.*$/, ''), start: performance.now(), end: Number.NaN };
  calls.push(call);
  return dial.call(this, options, (error: unknown, data: unknown) => {
    call.end = performance.now();
    callback(error, data);
  });
} as typeof Modem.prototype.dial;

const request = (outputDir: string): TrainingRequest => ({
  dataset: { path: dataset, gtFile: null, ohe: false },
  // Long enough that the container is still running when it is inspected.
  options: { analysis: 'minimal', architectures: ['Vanilla'], epochs: 5000, batchSize: 64, workers: 1, threeDim: false },
  gpus: { kind: 'none' },
  outputDir,
  imageRef: TAG,
});

/**
 * The container the core made for `template` (its first run), made again without the core: the
 * same mounts, read from a copy of its output folder (which holds the step's view list), as
 * RunService.launch builds them.
 */
function referenceOptions(imageId: string, runId: string, template: RunRecord, outputDir: string): Docker.ContainerCreateOptions {
  cpSync(template.outputDir, outputDir, { recursive: true });
  const record: RunRecord = { ...template, outputDir };
  const inputs = mountedStepMounts(record, weightsDir);
  const created = runContainerOptions(stepContainerSpec(record, 'training', inputs, { extraEnv: [], platform: process.platform }));
  created.Labels = { ...created.Labels, [BENCH_LABEL]: 'run-start' };
  return created;
}

/** The same container as docker CLI flags (`docker run -d ...`). */
function dockerRunArgs(options: Docker.ContainerCreateOptions): string[] {
  const host = options.HostConfig!;
  const args = ['run', '-d'];
  if (options.User) args.push('--user', options.User);
  args.push('--network', host.NetworkMode!);
  for (const cap of host.CapDrop ?? []) args.push('--cap-drop', cap);
  for (const opt of host.SecurityOpt ?? []) args.push('--security-opt', opt);
  if (host.Privileged) args.push('--privileged');
  if (host.ReadonlyRootfs) args.push('--read-only');
  args.push('--shm-size', `${host.ShmSize}b`);
  for (const bind of host.Binds ?? []) args.push('-v', bind);
  for (const [target, spec] of Object.entries(host.Tmpfs ?? {})) args.push('--tmpfs', `${target}:${spec}`);
  for (const env of options.Env ?? []) args.push('-e', env);
  for (const [key, value] of Object.entries(options.Labels ?? {})) args.push('--label', `${key}=${value}`);
  if (host.DeviceRequests?.length) throw new Error('GPU device requests are not reproduced as flags here (the bench runs on the CPU)');
  // the flag takes one program; the rest of the entrypoint goes before the command
  const [program, ...entryArgs] = (options.Entrypoint as string[] | undefined) ?? [];
  if (program) args.push('--entrypoint', program);
  args.push(options.Image!, ...entryArgs, ...(options.Cmd as string[]));
  return args;
}

/** The parts of a container that the hardening and the run depend on, to compare (a) with (b) and (c). */
function shape(id: string) {
  const info = JSON.parse(sh('docker', ['inspect', id]))[0];
  const strip = (binds: string[]) => binds.map((b) => b.replace(/\/out-[^:]+:/, '/out-N:'));
  const labels = { ...info.Config.Labels };
  delete labels[RUN_ID_LABEL];
  delete labels[BENCH_LABEL];
  return {
    running: info.State.Running as boolean,
    shape: JSON.stringify({
      image: info.Image,
      // entrypoint and command as one: `docker run --entrypoint` splits them elsewhere
      argv: [...(info.Config.Entrypoint ?? []), ...(info.Config.Cmd ?? [])],
      env: [...info.Config.Env].sort(),
      user: info.Config.User,
      labels,
      tty: info.Config.Tty,
      network: info.HostConfig.NetworkMode,
      capDrop: info.HostConfig.CapDrop,
      securityOpt: info.HostConfig.SecurityOpt,
      privileged: info.HostConfig.Privileged,
      shm: info.HostConfig.ShmSize,
      binds: strip(info.HostConfig.Binds ?? []).sort(), // the CLI gives them in its own order
      tmpfs: info.HostConfig.Tmpfs,
      deviceRequests: info.HostConfig.DeviceRequests,
      autoRemove: info.HostConfig.AutoRemove,
    }),
  };
}

rmSync(work, { recursive: true, force: true });
mkdirSync(weightsDir, { recursive: true });
const leftovers = new Set<string>();
const client = async () => createDockerClient(await chooseEndpoint(candidateEndpoints(null, { env: process.env, platform: process.platform, homedir: os.homedir() })));
const remove = async (id: string) => {
  await (await client()).getContainer(id).remove({ force: true, v: true }).catch(() => undefined);
  leftovers.delete(id);
};

let failed = false;
try {
  sh('docker', ['version', '--format', '{{.Server.Version}}']);
  sh('bash', ['docker/stand-in/build.sh']);
  const imageId = JSON.parse(sh('docker', ['image', 'inspect', TAG]))[0].Id as string;
  makeClassDataset(dataset, { classes: { benign: 4, malignant: 4 }, size: 16 });

  const settings = new JsonFileSettingsStore(path.join(dataDir, 'settings.json'));
  settings.write({ ...settings.read(), imageRef: TAG, runsDir: path.join(work, 'runs'), weightsDir });
  const core = createCore({ settings, dataDir });
  let counter = 0;
  const outDir = () => path.join(work, `out-${(counter += 1)}`);

  /** (a) The core: handler call until it answers 'running'. */
  const viaCore = async (): Promise<{ ms: number; record: RunRecord }> => {
    const started = performance.now();
    const response = await core.handlers['runs:start-training'](request(outDir()));
    const elapsed = performance.now() - started;
    if (!response.ok) throw new Error(`${response.error.code}: ${response.error.message} ${response.error.detail ?? ''}`);
    leftovers.add(response.data.containerId!);
    if (response.data.state !== 'running') throw new Error(`the core answered ${response.data.state}`);
    return { ms: elapsed, record: response.data };
  };
  const cleanCore = async (record: RunRecord) => {
    await remove(record.containerId!);
    await core.runs.waitForEnd(record.id); // its follower ends (interrupted) before the next start
  };
  /** (d) The service as core.ts wires it, with the scan answered from a report made beforehand. */
  const scanned = await scanDatasetForRun({ path: dataset, gtFile: null, ohe: false });
  const noScan = new RunService({
    store: new RunStore(path.join(dataDir, 'runs')),
    backend: () =>
      new DockerRunBackend({
        engine: 'local',
        host: null,
        client,
        fileVisibility: async () => 'sees-files',
        engineInfo: async () => null,
        resolveImageId: async (docker, reference) => (await docker.getImage(reference).inspect()).Id,
        pathMappings: () => [],
        platform: process.platform,
      }),
    uploadConsent: { given: async () => true, give: async () => undefined },
    emit: () => undefined,
    platform: process.platform,
    imageRef: () => TAG,
    scanDataset: async () => scanned,
    detectGpus: async () => {
      throw new Error('not on the CPU');
    },
    runsDir: () => path.join(work, 'runs'),
    weightsDir: () => weightsDir,
    extraEnv: [],
  });
  const viaNoScan = async (): Promise<number> => {
    const started = performance.now();
    const record = await noScan.startTraining(request(outDir()));
    const elapsed = performance.now() - started;
    leftovers.add(record.containerId!);
    await remove(record.containerId!);
    await noScan.waitForEnd(record.id);
    return elapsed;
  };
  let template: RunRecord | null = null;
  /** (b) dockerode with the same options object. */
  const viaDockerode = async (): Promise<{ ms: number; id: string; create: number }> => {
    const dir = outDir();
    const options = referenceOptions(imageId, `bench-ref-${counter}`, template!, dir);
    const started = performance.now();
    const docker = await client();
    const container = await docker.createContainer(options);
    const created = performance.now();
    leftovers.add(container.id);
    await container.start();
    return { ms: performance.now() - started, id: container.id, create: created - started };
  };
  /** (c) docker run -d. */
  const viaCli = (): { ms: number; id: string } => {
    const dir = outDir();
    const args = dockerRunArgs(referenceOptions(imageId, `bench-cli-${counter}`, template!, dir));
    const started = performance.now();
    const id = sh('docker', args);
    const elapsed = performance.now() - started;
    leftovers.add(id);
    return { ms: elapsed, id };
  };

  // Warm-up, and check that the three containers are the same container.
  const warmCore = await viaCore();
  template = warmCore.record;
  const coreShape = shape(warmCore.record.containerId!);
  await cleanCore(warmCore.record);
  const warmRef = await viaDockerode();
  const refShape = shape(warmRef.id);
  await remove(warmRef.id);
  const warmCli = viaCli();
  const cliShape = shape(warmCli.id);
  await remove(warmCli.id);
  console.log(`containers: core running=${coreShape.running}, reference running=${refShape.running}, docker run running=${cliShape.running}`);
  console.log(`same container (image id, cmd, env, user, labels but the run id, hardening, binds, tmpfs): reference ${coreShape.shape === refShape.shape ? 'yes' : 'NO'}, docker run ${coreShape.shape === cliShape.shape ? 'yes' : 'NO'}`);
  if (coreShape.shape !== refShape.shape || coreShape.shape !== cliShape.shape) {
    console.log(`  core:       ${coreShape.shape}\n  reference:  ${refShape.shape}\n  docker run: ${cliShape.shape}`);
    failed = true;
  }

  const coreTimes: number[] = [];
  const refTimes: number[] = [];
  const refCreate: number[] = [];
  const cliTimes: number[] = [];
  const noScanTimes: number[] = [];
  await viaNoScan(); // warm-up
  for (let round = 1; round <= ROUNDS; round += 1) {
    // Alternate the order so neither always runs right after a removal of the other's container.
    const order = round % 2 ? ['core', 'ref', 'cli', 'noscan'] : ['noscan', 'cli', 'ref', 'core'];
    const line: string[] = [];
    for (const which of order) {
      if (which === 'core') {
        const run = await viaCore();
        if (!shape(run.record.containerId!).running) throw new Error('the core\'s container is not running');
        coreTimes.push(run.ms);
        line.push(`core ${ms(run.ms)}`);
        await cleanCore(run.record);
      } else if (which === 'noscan') {
        const elapsed = await viaNoScan();
        noScanTimes.push(elapsed);
        line.push(`(d) ${ms(elapsed)}`);
      } else if (which === 'ref') {
        const run = await viaDockerode();
        refTimes.push(run.ms);
        refCreate.push(run.create);
        line.push(`reference ${ms(run.ms)}`);
        await remove(run.id);
      } else {
        const run = viaCli();
        cliTimes.push(run.ms);
        line.push(`docker run -d ${ms(run.ms)}`);
        await remove(run.id);
      }
    }
    console.log(`round ${round}: ${line.join(', ')}`);
  }

  // Where the core's time goes: one traced start (every engine call), then the non-engine steps alone.
  trace = [];
  const traced = performance.now();
  const tracedRun = await viaCore();
  const calls = trace;
  trace = null;
  await cleanCore(tracedRun.record);
  console.log(`\ntimeline of one core start (${ms(tracedRun.ms)}; engine calls as dialled, ms from the handler call):`);
  let previousEnd = 0;
  for (const call of calls) {
    const start = call.start - traced;
    const end = call.end - traced;
    if (start > tracedRun.ms) break; // the follower's calls (logs) after the answer
    const gap = start - previousEnd;
    if (gap > 0.5) console.log(`  ${previousEnd.toFixed(1).padStart(7)} -> ${start.toFixed(1).padStart(7)}  (${gap.toFixed(1)} ms outside the engine)`);
    console.log(`  ${start.toFixed(1).padStart(7)} -> ${end.toFixed(1).padStart(7)}  ${call.method} ${call.path} (${(end - start).toFixed(1)} ms)`);
    previousEnd = Math.max(previousEnd, end);
  }
  if (tracedRun.ms - previousEnd > 0.5) console.log(`  ${previousEnd.toFixed(1).padStart(7)} -> ${tracedRun.ms.toFixed(1).padStart(7)}  (${(tracedRun.ms - previousEnd).toFixed(1)} ms outside the engine, until the answer)`);

  const steps: Record<string, number[]> = { 'endpoint + client + ping': [], 'image inspect': [], 'dataset scan (8 files)': [], '  the same, 1 worker': [], '  one probe worker start': [], 'output folder claim': [], 'run record save (fsync)': [] };
  const store = new RunStore(path.join(work, 'step-store'));
  for (let i = 0; i < ROUNDS; i += 1) {
    let t = performance.now();
    const docker = await client();
    await docker.ping();
    steps['endpoint + client + ping']!.push(performance.now() - t);
    t = performance.now();
    await docker.getImage(TAG).inspect();
    steps['image inspect']!.push(performance.now() - t);
    t = performance.now();
    await scanDataset({ path: dataset, gtFile: null, ohe: false });
    steps['dataset scan (8 files)']!.push(performance.now() - t);
    t = performance.now();
    await scanDataset({ path: dataset, gtFile: null, ohe: false }, { workers: 1 });
    steps['  the same, 1 worker']!.push(performance.now() - t);
    t = performance.now();
    const worker = new Worker(PROBE_WORKER_SOURCE, { eval: true, resourceLimits: { maxYoungGenerationSizeMb: 32 } });
    await new Promise<void>((resolve) => {
      worker.once('message', () => resolve());
      worker.postMessage({ kind: 'list', id: 1, dir: dataset });
    });
    steps['  one probe worker start']!.push(performance.now() - t);
    await worker.terminate();
    t = performance.now();
    claimOutputFolder(path.join(work, `step-out-${i}`)).release();
    steps['output folder claim']!.push(performance.now() - t);
    t = performance.now();
    store.save({ ...tracedRun.record, id: `step-${i}` });
    steps['run record save (fsync)']!.push(performance.now() - t);
  }
  console.log(`\nthe core's steps on their own (medians of ${ROUNDS}):`);
  for (const [name, times] of Object.entries(steps)) console.log(`  ${name.padEnd(26)} ${ms(median(times))}`);

  const coreMs = median(coreTimes);
  const refMs = median(refTimes);
  const cliMs = median(cliTimes);
  console.log(`\n${ROUNDS} rounds, medians (until the container runs):`);
  console.log(`  (a) core runs:start-training:         ${ms(coreMs)}`);
  console.log(`  (b) dockerode create+start (reference): ${ms(refMs)}  (create ${ms(median(refCreate))}, start ${ms(refMs - median(refCreate))})`);
  console.log(`  (c) docker run -d:                     ${ms(cliMs)}`);
  console.log(`  (d) (a) without the dataset scan:      ${ms(median(noScanTimes))}  (ratio to the reference ${(median(noScanTimes) / refMs).toFixed(3)})`);
  console.log(`  ratio core/reference:     ${(coreMs / refMs).toFixed(3)}  (goal < 1.2: ${coreMs / refMs < 1.2 ? 'met' : 'NOT met'})`);
  console.log(`  ratio core/docker run -d: ${(coreMs / cliMs).toFixed(3)}  (goal < 1.2: ${coreMs / cliMs < 1.2 ? 'met' : 'NOT met'})`);
  if (coreMs / refMs >= 1.2) failed = true;
  core.dispose();
} finally {
  for (const id of leftovers) await remove(id);
  rmSync(work, { recursive: true, force: true });
}
if (failed) {
  console.log('\nFAILED: see above');
  process.exit(1);
}
