import dgram from 'node:dgram';
import dns from 'node:dns';
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from '../../src/api/errors';
import type { RunRecord } from '../../src/api/runs';
import { createCore, type Core } from '../../src/core';
import { PROBE_WORKER_SOURCE } from '../../src/dataset/probe-worker-source';
import { APP_LABEL, PURPOSE_LABEL, RUN_ID_LABEL } from '../../src/engine/containers';
import { candidateEndpoints, chooseEndpoint } from '../../src/engine/endpoint';
import { PROBE_PURPOSE } from '../../src/gpu/probe';
import { JsonFileSettingsStore } from '../../src/settings/store';
import { buildStandIn, docker, STAND_IN_TAG } from '../helpers/docker-cli';
import { makeClassDataset } from '../helpers/images';
import { requireEngine } from '../helpers/requirements';
import { tempDir } from '../helpers/temp';
import { FakeNvidiaSmi } from '../unit/gpu/fake-nvidia-smi';

/*
 * "No network", proven on a whole core session against the real engine:
 *  1. every container the app creates is inspected by the engine the moment it exists (a recording
 *     proxy between core and engine holds the create response until the inspection is done, so even
 *     the GPU probe, created and removed within a second, is seen): no network, no capabilities, no new
 *     privileges, not privileged, no published port, the dataset read-only;
 *  2. the running training container has no network interface but loopback (/proc/PID/net/dev);
 *  3. the core process opens no socket but the engine's: net/tls/http/fetch connects, DNS lookups and
 *     UDP sends of this process are recorded for the whole session, and only the two unix socket paths
 *     of the engine connection appear (the core's to the proxy, the proxy's to the engine).
 */

interface NetworkCall {
  kind: 'connect' | 'dns' | 'udp' | 'http';
  target: string;
}

/** Records every outgoing connection attempt, DNS query and UDP send of this process until `restore()`. */
function recordNetwork() {
  const calls: NetworkCall[] = [];
  const restores: (() => void)[] = [];
  const patch = <T extends object>(owner: T, key: keyof T & string, describe: (args: unknown[]) => NetworkCall) => {
    const original = owner[key] as unknown as (...args: unknown[]) => unknown;
    if (typeof original !== 'function') return;
    (owner as Record<string, unknown>)[key] = function (this: unknown, ...args: unknown[]) {
      calls.push(describe(args));
      return original.apply(this, args);
    };
    restores.push(() => {
      (owner as Record<string, unknown>)[key] = original;
    });
  };
  const connectTarget = (args: unknown[]): NetworkCall => {
    // net.connect hands Socket#connect its arguments normalized into an array: [options, callback]
    let first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
    if (typeof first === 'string') return { kind: 'connect', target: `unix:${first}` };
    if (typeof first === 'number') first = { port: first, host: typeof args[1] === 'string' ? args[1] : 'localhost' };
    const options = (first ?? {}) as { path?: string; host?: string; port?: number };
    return { kind: 'connect', target: options.path ? `unix:${options.path}` : `tcp:${options.host ?? 'localhost'}:${options.port}` };
  };
  const httpTarget = (args: unknown[]): NetworkCall => {
    const first = args[0];
    if (typeof first === 'string' || first instanceof URL) return { kind: 'http', target: String(first) };
    const options = (first ?? {}) as http.RequestOptions;
    return { kind: 'http', target: options.socketPath ? `unix:${options.socketPath}` : `${options.protocol ?? 'http:'}//${options.hostname ?? options.host}:${options.port ?? ''}` };
  };
  patch(net.Socket.prototype, 'connect', connectTarget);
  patch(dgram.Socket.prototype, 'send', (args) => ({ kind: 'udp', target: `send to ${args.slice(1).filter((a) => typeof a === 'string' || typeof a === 'number').join(':')}` }));
  patch(dgram.Socket.prototype, 'connect', (args) => ({ kind: 'udp', target: `connect to ${args.filter((a) => typeof a !== 'function').join(':')}` }));
  for (const owner of [dns, dns.promises] as Record<string, unknown>[]) {
    for (const key of Object.keys(owner).filter((k) => /^(lookup|lookupService|resolve\w*|reverse)$/.test(k))) {
      patch(owner, key, (args) => ({ kind: 'dns', target: `${key} ${String(args[0])}` }));
    }
  }
  for (const module of [http, https] as unknown as Record<string, unknown>[]) {
    patch(module, 'request', httpTarget);
    patch(module, 'get', httpTarget);
  }
  syncBuiltinESMExports(); // `import { lookup } from 'node:dns'` sees the patched functions too
  return {
    calls,
    restore() {
      for (const restore of restores.reverse()) restore();
      syncBuiltinESMExports();
    },
  };
}

interface CreatedContainer {
  /** The create request body the core sent. */
  request: { Labels?: Record<string, string>; HostConfig?: Record<string, unknown>; Entrypoint?: string[] };
  status: number;
  /** The engine's inspection of the container, taken before the core learnt its id. */
  inspect: InspectedContainer | null;
}
interface InspectedContainer {
  Id: string;
  Config: { Labels: Record<string, string>; ExposedPorts?: Record<string, unknown> | null };
  HostConfig: { NetworkMode: string; CapDrop: string[] | null; CapAdd: string[] | null; SecurityOpt: string[] | null; Privileged: boolean; PortBindings?: Record<string, unknown> | null; PublishAllPorts: boolean };
  Mounts: { Type: string; Source: string; Destination: string; RW: boolean }[];
  NetworkSettings: { Networks: Record<string, { IPAddress: string }> };
}

const readAll = (stream: NodeJS.ReadableStream) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });

/**
 * An HTTP proxy on a unix socket in front of the engine's socket: forwards everything, streams
 * included, and records every request; for `POST /containers/create` it inspects the new container
 * through the engine before passing the response on.
 */
async function startEngineProxy(listenPath: string, upstreamPath: string) {
  const requests: string[] = [];
  const created: CreatedContainer[] = [];
  const inspect = (id: string) =>
    new Promise<InspectedContainer>((resolve, reject) => {
      http
        .get({ socketPath: upstreamPath, path: `/containers/${encodeURIComponent(id)}/json` }, (response) => {
          readAll(response).then((body) => resolve(JSON.parse(body.toString('utf8'))), reject);
        })
        .on('error', reject);
    });
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    requests.push(`${req.method} ${url}`);
    const isCreate = req.method === 'POST' && /^(\/v[\d.]+)?\/containers\/create(\?|$)/.test(url);
    const body: Buffer[] = [];
    if (isCreate) req.on('data', (chunk: Buffer) => body.push(chunk));
    const upstream = http.request({ socketPath: upstreamPath, method: req.method, path: url, headers: req.headers }, (response) => {
      if (!isCreate) {
        res.writeHead(response.statusCode ?? 502, response.headers);
        // A stream's headers go on at once (Node holds them until the first body byte): an attach
        // before the start answers with headers alone, and the start waits for that answer.
        res.flushHeaders();
        response.pipe(res);
        return;
      }
      void (async () => {
        const answer = await readAll(response);
        const entry: CreatedContainer = { request: JSON.parse(Buffer.concat(body).toString('utf8') || '{}'), status: response.statusCode ?? 0, inspect: null };
        if (response.statusCode === 201) entry.inspect = await inspect(JSON.parse(answer.toString('utf8')).Id);
        created.push(entry);
        res.writeHead(response.statusCode ?? 502, response.headers);
        res.end(answer);
      })().catch((error: unknown) => res.destroy(error as Error));
    });
    upstream.on('error', (error) => res.destroy(error));
    req.pipe(upstream);
  });
  // Hijacked connections (attach, exec): passed through as raw bytes.
  server.on('upgrade', (req, socket, head) => {
    requests.push(`${req.method} ${req.url} (upgrade)`);
    const upstream = net.connect(upstreamPath, () => {
      const headers = Object.entries(req.headers).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : v}`);
      upstream.write(`${req.method} ${req.url} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`);
      upstream.write(head);
      socket.pipe(upstream).pipe(socket);
    });
    upstream.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(listenPath, resolve));
  return {
    requests,
    created,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const hasEngine = requireEngine();
/** The recording proxy speaks unix sockets: an engine reached over TCP or a Windows pipe is not covered here. */
const engineOnUnixSocket = process.platform !== 'win32' && (!process.env.DOCKER_HOST || process.env.DOCKER_HOST.startsWith('unix://'));
if (hasEngine && !engineOnUnixSocket) console.warn(`\n*** SKIPPING the no-network session test: it needs the engine on a unix socket (DOCKER_HOST=${process.env.DOCKER_HOST}) ***\n`);

describe.runIf(hasEngine && engineOnUnixSocket)('no network: a whole core session against the real engine (stand-in image)', () => {
  const dir = tempDir('aucmedi-nonet-');
  const dataset = path.join(dir, 'dataset');
  const dataDir = path.join(dir, 'app-data');
  const proxySocket = path.join(dir, 'engine-proxy.sock');
  /** The proxy reaches the engine through a link of its own, so a core connecting to the engine directly would show. */
  const upstreamLink = path.join(dir, 'engine-upstream.sock');
  let engineSocket = '';
  let proxy: Awaited<ReturnType<typeof startEngineProxy>>;
  let network: ReturnType<typeof recordNetwork>;
  let core: Core;
  let run: RunRecord;
  /** What the engine said about the training container while it ran. */
  let live: { running: boolean; networks: string[]; interfaces: string[] | null };

  beforeAll(async () => {
    const endpoint = await chooseEndpoint(candidateEndpoints(null, { env: process.env, platform: process.platform, homedir: os.homedir() }));
    if (endpoint.transport.kind !== 'socket' || endpoint.transport.path.startsWith('//./pipe/')) {
      throw new Error(`this test needs the engine on a unix socket; the engine here is at ${endpoint.url}`);
    }
    engineSocket = endpoint.transport.path;
    symlinkSync(engineSocket, upstreamLink);
    buildStandIn();
    makeClassDataset(dataset, { classes: { benign: 8, malignant: 8 }, size: 16, seed: 5 });
    const fakeSmi = new FakeNvidiaSmi(path.join(dir, 'nvidia-smi')).scenario('rtx3090');

    network = recordNetwork();
    // The witness sees each way out (so an empty record means something): TCP, fetch, DNS, UDP,
    // tried against a throwaway local server.
    const local = http.createServer((_req, res) => res.writeHead(204).end());
    await new Promise<void>((resolve) => local.listen(0, '127.0.0.1', resolve));
    const port = (local.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => net.connect({ host: '127.0.0.1', port }).on('error', () => resolve()).on('connect', function (this: net.Socket) {
      this.destroy();
      resolve();
    }));
    await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined);
    await dns.promises.lookup('localhost').catch(() => undefined);
    const udp = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => udp.send('x', port, '127.0.0.1', () => resolve()));
    udp.close();
    local.closeAllConnections();
    await new Promise((resolve) => local.close(resolve));
    const selfTest = network.calls.splice(0).map((c) => `${c.kind} ${c.target}`);
    expect(selfTest).toEqual(expect.arrayContaining([`connect tcp:127.0.0.1:${port}`, 'dns lookup localhost', `udp send to ${port}:127.0.0.1`]));
    expect(selfTest.filter((c) => c === `connect tcp:127.0.0.1:${port}`).length).toBeGreaterThanOrEqual(2); // net.connect and fetch

    proxy = await startEngineProxy(proxySocket, upstreamLink);
    const settings = new JsonFileSettingsStore(path.join(dataDir, 'settings.json'));
    settings.write({ ...settings.read(), engineEndpoint: `unix://${proxySocket}`, imageRef: STAND_IN_TAG, runsDir: path.join(dir, 'runs') });
    core = createCore({ settings, dataDir, runEnv: ['AUCMEDI_STANDIN_BATCH_DELAY=0.2'], watchTimings: { okIntervalMs: 500, minBackoffMs: 200, maxBackoffMs: 500 } });
    core.start();

    // A session: what the Setup, Dataset and Train pages ask for, then a short training run.
    const ok = async <T>(response: Promise<Response<T>>): Promise<T> => {
      const answer = await response;
      if (!answer.ok) throw new Error(`${answer.error.code}: ${answer.error.message}`);
      return answer.data;
    };
    await ok(core.handlers['engine:diagnose']({}));
    await ok(core.handlers['images:list']({}));
    // A host "with an NVIDIA GPU" (fake nvidia-smi on PATH), so detection goes on to the probe container.
    const savedPath = process.env.PATH;
    process.env.PATH = `${fakeSmi.binDir}${path.delimiter}${savedPath}`;
    try {
      await ok(core.handlers['gpu:detect']({}));
    } finally {
      process.env.PATH = savedPath;
    }
    await ok(core.handlers['aucmedi:catalog']({}));
    await ok(core.handlers['dataset:scan']({ path: dataset, scanId: 'no-network-scan' }));
    const started = (await ok(
      core.handlers['runs:start-training']({
        dataset: { path: dataset, gtFile: null, ohe: false },
        options: { analysis: 'standard', architectures: ['Vanilla'], epochs: 3, batchSize: 8, workers: 1, threeDim: false },
        gpus: { kind: 'none' },
      }),
    )) as RunRecord;
    // While it runs: the engine's own view of its network, and the interfaces its process sees.
    const info = JSON.parse(docker(['inspect', started.containerId!]).stdout)[0];
    const netDev = `/proc/${info.State.Pid}/net/dev`;
    let interfaces: string[] | null = null;
    if (info.State.Running && info.State.Pid > 0) {
      try {
        interfaces = readFileSync(netDev, 'utf8').split('\n').slice(2).map((line) => line.split(':')[0]!.trim()).filter(Boolean);
      } catch {
        console.warn(`\n*** not checking the container's interfaces: ${netDev} is not readable by this user ***\n`);
      }
    }
    live = { running: Boolean(info.State.Running), networks: Object.keys(info.NetworkSettings.Networks ?? {}), interfaces };
    run = await core.runs.waitForEnd(started.id);
    await ok(core.handlers['runs:list']({}));
    await ok(core.handlers['runs:log']({ runId: run.id, offset: 0 }));
  }, 900_000);

  afterAll(async () => {
    core?.dispose();
    network?.restore();
    await proxy?.close();
  });

  it('trains to the end through the recording proxy', () => {
    expect(run.state).toBe('succeeded');
    // --epochs 3: AUCMEDI's frozen phase alone is 10 epochs (model.py)
    expect(run.mode === 'training' ? run.epochs.length : -1).toBe(10);
    expect(proxy.requests.some((r) => /\/containers\/[0-9a-f]+\/attach\?/.test(r))).toBe(true); // the run's output, attached before its start
  });

  it('created the GPU probe and the training container, each hardened and seen by the engine at creation', () => {
    const purposes = proxy.created.map((c) => c.request.Labels?.[PURPOSE_LABEL]);
    expect(purposes).toEqual(expect.arrayContaining([PROBE_PURPOSE, 'run']));
    expect(proxy.created.filter((c) => c.request.Labels?.[RUN_ID_LABEL] === run.id).map((c) => c.request.Labels?.['org.aucmedi-desk.mode'])).toEqual(['training']);
    for (const container of proxy.created) {
      expect(container.request.Labels?.[APP_LABEL]).toBe('aucmedi-desk');
      expect(container.request.HostConfig).toMatchObject({ NetworkMode: 'none', CapDrop: ['ALL'], SecurityOpt: ['no-new-privileges'], Privileged: false });
      expect(container.request.HostConfig?.PortBindings ?? null).toBeNull();
      expect(container.status, JSON.stringify(container.request)).toBe(201);
      const seen = container.inspect!;
      expect(seen.Config.Labels[APP_LABEL]).toBe('aucmedi-desk');
      expect(seen.HostConfig).toMatchObject({ NetworkMode: 'none', CapDrop: ['ALL'], Privileged: false, PublishAllPorts: false });
      expect(seen.HostConfig.SecurityOpt).toContain('no-new-privileges');
      expect(seen.HostConfig.CapAdd ?? []).toEqual([]);
      expect(Object.keys(seen.HostConfig.PortBindings ?? {})).toEqual([]);
      expect(Object.keys(seen.NetworkSettings.Networks)).toEqual(['none']);
      for (const mount of seen.Mounts) if (['/data/source', '/data/inputs.json', '/keras/models', '/tmp/.keras/models'].includes(mount.Destination)) expect(mount.RW, mount.Destination).toBe(false);
    }
  });

  it('mounted the dataset read-only in the training container', () => {
    const training = proxy.created.find((c) => c.request.Labels?.[RUN_ID_LABEL] === run.id)!;
    // the dataset itself at /data/source; AUCMEDI reads the clean view of links to it at /data/training
    expect(training.inspect!.Mounts).toEqual(expect.arrayContaining([expect.objectContaining({ Source: dataset, Destination: '/data/source', RW: false })]));
    expect(training.inspect!.Mounts.filter((m) => m.RW).map((m) => m.Destination)).not.toContain('/data/source');
  });

  it('the running training container had no network interface but loopback', () => {
    expect(live.running).toBe(true);
    expect(live.networks).toEqual(['none']);
    if (live.interfaces || process.getuid?.() === 0) expect(live.interfaces).toEqual(['lo']);
  });

  it('the core opened no socket but the engine connection: no TCP, no UDP, no DNS', () => {
    const targets = [...new Set(network.calls.map((c) => `${c.kind} ${c.target}`))];
    const allowed = new Set([`connect unix:${proxySocket}`, `http unix:${proxySocket}`, `connect unix:${upstreamLink}`, `http unix:${upstreamLink}`]);
    expect(targets.filter((t) => !allowed.has(t))).toEqual([]);
    expect(targets).toContain(`connect unix:${proxySocket}`); // the core did talk to the engine, through the proxy
    expect(targets).not.toContain(`connect unix:${engineSocket}`); // and never around it
  });

  it('the dataset scan worker (a thread of its own, outside the record) loads no networking module', () => {
    const modules = [...PROBE_WORKER_SOURCE.matchAll(/require\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]);
    expect(modules.length).toBeGreaterThan(0);
    expect(modules.filter((m) => !['node:worker_threads', 'node:fs', 'node:os'].includes(m!))).toEqual([]);
    expect(PROBE_WORKER_SOURCE).not.toMatch(/\b(fetch|XMLHttpRequest|WebSocket)\b/);
  });

  it('left no container behind', () => {
    for (const container of proxy.created) {
      expect(docker(['inspect', container.inspect!.Id], { allowFail: true }).code, container.inspect!.Id).not.toBe(0);
    }
    expect(existsSync(path.join(run.outputDir, 'run.json'))).toBe(true);
  });
});
