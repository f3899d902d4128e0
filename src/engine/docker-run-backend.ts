/**
 * The run backend (src/runs/backend.ts) on a Docker engine: this computer's, or a server's over SSH
 * or TLS. The same code for both; what differs is the transport (src/engine/client.ts) and where
 * the data is: an engine that sees this computer's files (measured, src/engine/file-visibility.ts)
 * gets bind mounts, any other gets its data staged through the engine API (src/engine/staging.ts).
 */
import type Docker from 'dockerode';
import type { RunPlacement } from '../api/runs';
import type { EngineFacts } from '../runs/backend';
import { KEPT_DATASET_PREFIX, KEPT_FINGERPRINT_LABEL, KEPT_FOLDER_LABEL } from './kept-datasets';
import type { Message } from '../i18n/message';
import type { DatasetToStage, FoundRunContainer, RunBackend, RunContainer, StagedVolumes, TransferOptions } from '../runs/backend';
import { STAGED_OUTPUT_DIR } from '../runs/step-mounts';
import { APP_LABEL, PURPOSE_LABEL, RUN_ID_LABEL, runOnce } from './containers';
import { engineUnavailable } from './engine-errors';
import type { FileVisibility } from './file-visibility';
import { hostUser, runContainerOptions, type RunContainerSpec } from './run-container';
import { mapAll } from './path-mapping';
import { serverSharedDigest, type SharedDigest } from './shared-folder-check';
import type { PathMapping } from '../api/types';
import type { EnginePath } from '../runs/dataset-view';
import { markComplete, readComplete, removeVolume, stageIn, stageOut, STAGE_LABEL, volumeExists, type StageSource } from './staging';

export interface DockerRunBackendDeps {
  engine: string;
  host: string | null;
  client: () => Promise<Docker>;
  /** Measured once per engine; null while there is no image to measure with. */
  fileVisibility: () => Promise<FileVisibility | null>;
  engineInfo: () => Promise<EngineFacts | null>;
  resolveImageId: (docker: Docker, reference: string) => Promise<string | null>;
  /** The engine's shared folders (settings); none for this computer's engine. */
  pathMappings: () => readonly PathMapping[];
  platform: NodeJS.Platform;
  /** Volume driver options for staged volumes (the tests play a full server disk with a small tmpfs). */
  volumeDriverOpts?: Record<string, string>;
}

/** The names of a staged run's volumes: found again from the run's id (and its images' key) after a restart. */
export function stagedVolumeNames(runId: string, datasetKey: string | null): StagedVolumes {
  return {
    dataset: datasetKey ? `${KEPT_DATASET_PREFIX}${datasetKey}` : `aucmedi-desk-${runId}-data`,
    input: `aucmedi-desk-${runId}-in`,
    output: `aucmedi-desk-${runId}-out`,
    datasetKept: datasetKey !== null,
  };
}

export class DockerRunBackend implements RunBackend {
  readonly engine: string;
  readonly host: string | null;

  constructor(private readonly deps: DockerRunBackendDeps) {
    this.engine = deps.engine;
    this.host = deps.host;
  }

  async connect(doing: Message): Promise<void> {
    try {
      await (await this.deps.client()).ping();
    } catch (error) {
      throw engineUnavailable(error, doing);
    }
  }

  async resolveImageId(reference: string): Promise<string | null> {
    return this.deps.resolveImageId(await this.deps.client(), reference);
  }

  mapPaths(hostPaths: readonly string[]): EnginePath | null {
    return mapAll(this.deps.pathMappings(), hostPaths, this.deps.platform);
  }

  async sharedDigest(image: string, sourceDir: string, specFile: string): Promise<SharedDigest> {
    const user = hostUser(this.deps.platform);
    return serverSharedDigest(await this.deps.client(), { image, sourceDir, specFile, ...(user ? { user } : {}) });
  }

  async dataPlacement(): Promise<Exclude<RunPlacement['data'], 'mapped'>> {
    // This computer's engine sees its files by definition of "local" until measured otherwise.
    const files = await this.deps.fileVisibility();
    if (files === null) return this.host === null ? 'mounted' : 'staged';
    return files === 'sees-files' ? 'mounted' : 'staged';
  }

  engineInfo(): Promise<EngineFacts | null> {
    return this.deps.engineInfo();
  }

  volumesFor(runId: string, datasetKey: string | null): StagedVolumes {
    return stagedVolumeNames(runId, datasetKey);
  }

  async stageIn(runId: string, image: string, dataset: DatasetToStage, inputs: readonly StageSource[], options: TransferOptions): Promise<StagedVolumes & { reused: boolean }> {
    const docker = await this.deps.client();
    let volumes = stagedVolumeNames(runId, dataset.key);
    const runLabels = { [RUN_ID_LABEL]: runId };
    const driverOpts = this.deps.volumeDriverOpts ? { driverOpts: this.deps.volumeDriverOpts } : {};
    const made: string[] = [];
    try {
      // The images: kept there already under this key (and complete), or sent now.
      let reused = false;
      if (volumes.datasetKept) {
        const kept = await readComplete(docker, { image, volume: volumes.dataset });
        reused = kept !== null && kept.files === dataset.sources.length;
        // there but unfinished (another run sending it now, or cut short): this run sends its own
        if (!reused && (await volumeExists(docker, volumes.dataset))) volumes = stagedVolumeNames(runId, null);
      }
      if (!reused) {
        const labels = volumes.datasetKept ? { [STAGE_LABEL]: 'dataset', [KEPT_FOLDER_LABEL]: dataset.folder.slice(0, 1000), [KEPT_FINGERPRINT_LABEL]: dataset.fingerprint ?? '' } : runLabels;
        made.push(volumes.dataset);
        const sent = await stageIn(docker, dataset.sources, { image, volume: volumes.dataset, labels, ...driverOpts, ...options });
        if (volumes.datasetKept) await markComplete(docker, { image, volume: volumes.dataset }, sent);
      }
      made.push(volumes.input);
      await stageIn(docker, inputs, { image, volume: volumes.input, labels: runLabels, ...driverOpts, ...options });
      made.push(volumes.output);
      await docker.createVolume({ Name: volumes.output, Labels: { [APP_LABEL]: 'aucmedi-desk', [STAGE_LABEL]: 'output', ...runLabels }, ...(this.deps.volumeDriverOpts ? { DriverOpts: this.deps.volumeDriverOpts } : {}) });
      // A new volume's top is root's, 0755; the run goes as the image's user, which need not be root
      // (docker/aucmedi/Dockerfile runs as uid 1000; AUCMEDI's own Dockerfile as root). Sticky and
      // open to all, as the image's /data is: the volume is mounted in this run's container only.
      const opened = await runOnce(docker, { image, entrypoint: ['chmod', '1777', STAGED_OUTPUT_DIR], cmd: [], user: '0:0', mounts: [{ Type: 'volume', Source: volumes.output, Target: STAGED_OUTPUT_DIR }], purpose: 'staging' });
      if (opened.exitCode !== 0) throw new Error(`the output volume could not be made writable: ${opened.stderr.trim()}`);
      return { ...volumes, reused };
    } catch (error) {
      for (const volume of made) await removeVolume(docker, volume).catch(() => undefined);
      throw error;
    }
  }

  async stageOut(volumes: StagedVolumes, image: string, localDir: string, options: TransferOptions): Promise<void> {
    await stageOut(await this.deps.client(), localDir, { image, volume: volumes.output, ...options });
  }

  async releaseStaged(volumes: StagedVolumes, image: string): Promise<void> {
    const docker = await this.deps.client();
    await removeVolume(docker, volumes.input);
    await removeVolume(docker, volumes.output);
    // kept images stay, but only complete ones: an upload cut short is not kept
    if (!volumes.datasetKept || (await readComplete(docker, { image, volume: volumes.dataset })) === null) await removeVolume(docker, volumes.dataset);
  }

  async create(spec: RunContainerSpec): Promise<RunContainer> {
    const container = await (await this.deps.client()).createContainer(runContainerOptions(spec));
    return this.wrap(container.id, container);
  }

  container(id: string): RunContainer {
    return this.wrap(id);
  }

  async findRuns(runId?: string): Promise<FoundRunContainer[]> {
    const docker = await this.deps.client();
    const labels = [APP_LABEL, `${PURPOSE_LABEL}=run`, ...(runId ? [`${RUN_ID_LABEL}=${runId}`] : [])];
    const found = await docker.listContainers({ all: true, filters: { label: labels } });
    return found.flatMap((info) => {
      const id = info.Labels?.[RUN_ID_LABEL];
      return id ? [{ container: this.wrap(info.Id), runId: id, running: info.State === 'running' }] : [];
    });
  }

  /** The container by id; the client is asked for at each call, so a transport made anew (a lost SSH connection) is used. */
  private wrap(id: string, created?: Docker.Container): RunContainer {
    const get = async () => created ?? (await this.deps.client()).getContainer(id);
    const goneIsFine = (error: unknown) => {
      // 304: already stopped; 404: already gone
      if (![304, 404].includes((error as { statusCode?: number }).statusCode ?? 0)) throw error;
    };
    return {
      id,
      attach: async () => (await (await get()).attach({ stream: true, stdout: true, stderr: true })) as unknown as NodeJS.ReadableStream,
      start: async () => {
        await (await get()).start();
      },
      logs: async () => (await (await get()).logs({ follow: true, stdout: true, stderr: true })) as unknown as NodeJS.ReadableStream,
      wait: async () => ((await (await get()).wait()) as { StatusCode: number }).StatusCode,
      running: async () => {
        const info = await (await this.deps.client()).getContainer(id).inspect().catch((error: { statusCode?: number }) => {
          if (error.statusCode === 404) return null;
          throw error;
        });
        return info?.State.Running ?? false;
      },
      stop: async (graceSeconds) => {
        await (await get()).stop({ t: graceSeconds }).catch(goneIsFine);
      },
      remove: async () => {
        // v: the image declares VOLUME /data; its anonymous volume goes with the container
        await (await get()).remove({ force: true, v: true }).catch(goneIsFine);
      },
    };
  }
}
