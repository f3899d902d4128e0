import type Docker from 'dockerode';
import { UserErrorException } from '../api/errors';
import type { ImageList, ImageSummary, TransferProgress } from '../api/types';
import { RUN_ID_LABEL, runOnce } from './containers';
import { engineMessage, engineUnavailable, isConnectionError } from './engine-errors';
import { imageNotFound } from './image-save';
import { readAll } from './image-load';
import { TransferMeter } from './progress';

export const STAND_IN_LABEL = 'org.aucmedi-desk.stand-in';

/** `aucmedi -v` prints `aucmedi_v<version>`; the result is cached per image id (an id never changes content). */
export class ImageCatalog {
  private readonly versions = new Map<string, string | null>();

  constructor(private readonly docker: () => Promise<Docker>) {}

  async list(inUse: string): Promise<ImageList> {
    const docker = await this.docker();
    let images: Docker.ImageInfo[];
    try {
      images = await docker.listImages();
    } catch (error) {
      throw isConnectionError(error) ? engineUnavailable(error, 'listing the images') : error;
    }
    const inUseId = await this.resolveId(docker, inUse);
    const relevant = images.filter(
      (image) => image.Id === inUseId || image.Labels?.[STAND_IN_LABEL] === 'true' || (image.RepoTags ?? []).some(isAucmediReference),
    );
    const summaries: ImageSummary[] = [];
    for (const image of relevant) {
      summaries.push({
        id: image.Id,
        references: (image.RepoTags ?? []).filter((tag) => tag !== '<none>:<none>'),
        created: new Date(image.Created * 1000).toISOString(),
        sizeBytes: image.Size,
        aucmediVersion: await this.version(docker, image.Id),
        standIn: image.Labels?.[STAND_IN_LABEL] === 'true',
        inUse: image.Id === inUseId,
      });
    }
    summaries.sort((a, b) => Number(b.inUse) - Number(a.inUse) || b.created.localeCompare(a.created));
    return { images: summaries, inUse, inUsePresent: inUseId !== null };
  }

  /** The image id a reference names now, or null when absent. */
  async resolveId(docker: Docker, reference: string): Promise<string | null> {
    try {
      return (await docker.getImage(reference).inspect()).Id;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return null;
      throw isConnectionError(error) ? engineUnavailable(error, 'looking up the image') : error;
    }
  }

  private async version(docker: Docker, id: string): Promise<string | null> {
    if (this.versions.has(id)) return this.versions.get(id)!;
    let version: string | null = null;
    try {
      const result = await runOnce(docker, { image: id, cmd: ['-v'], purpose: 'version', timeoutMs: 60_000 });
      version = /aucmedi_v(\S+)/.exec(result.stdout + result.stderr)?.[1] ?? null;
    } catch {
      version = null;
    }
    this.versions.set(id, version);
    return version;
  }

  /** Removes an image reference; refused while one of the app's containers (a run) uses it. */
  async remove(reference: string): Promise<void> {
    const docker = await this.docker();
    const id = await this.resolveId(docker, reference);
    if (!id) throw imageNotFound(reference);
    const users = await docker.listContainers({ all: true, filters: { ancestor: [id], label: [RUN_ID_LABEL] } });
    if (users.length > 0) throw inUse(reference);
    try {
      await docker.getImage(reference).remove();
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 409) throw inUse(reference, engineMessage(error));
      throw isConnectionError(error) ? engineUnavailable(error, `removing ${reference}`) : error;
    }
  }

  /** Pulls from a registry, for a connected machine; on an offline one says so in one sentence. */
  async pull(reference: string, onProgress?: (progress: Omit<TransferProgress, 'operationId' | 'kind'>) => void): Promise<string> {
    const docker = await this.docker();
    let stream: NodeJS.ReadableStream;
    try {
      stream = await docker.pull(reference);
    } catch (error) {
      throw pullError(reference, error);
    }
    const layers = new Map<string, { current: number; total: number }>();
    const meter = new TransferMeter(null);
    let failure: string | null = null;
    let buffered = '';
    stream.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        let message: { id?: string; error?: string; progressDetail?: { current?: number; total?: number } };
        try {
          message = JSON.parse(line);
        } catch {
          continue;
        }
        if (message.error) failure = message.error;
        if (message.id && message.progressDetail?.total) {
          layers.set(message.id, { current: message.progressDetail.current ?? 0, total: message.progressDetail.total });
        }
      }
      const done = [...layers.values()].reduce((sum, layer) => sum + layer.current, 0);
      const total = [...layers.values()].reduce((sum, layer) => sum + layer.total, 0);
      meter.add(Math.max(0, done - meter.bytesDone));
      if (meter.due()) onProgress?.({ phase: 'pulling', bytesDone: done, bytesTotal: total || null, bytesPerSecond: meter.bytesPerSecond, secondsLeft: null });
    });
    await readAll(stream).catch((error: unknown) => {
      failure = engineMessage(error);
    });
    if (failure) throw pullError(reference, Object.assign(new Error(failure), { json: { message: failure } }));
    const id = await this.resolveId(docker, reference);
    if (!id) throw pullError(reference, new Error('the engine reported no image after the pull'));
    return id;
  }
}

/** `ghcr.io/frankkramer-lab/aucmedi:latest`, `local/aucmedi-gpu:1`: the image's own name (last path part) says AUCMEDI. */
export function isAucmediReference(reference: string): boolean {
  const repository = reference.replace(/@.*$/, '').replace(/:[^/:]*$/, '');
  return /aucmedi/i.test(repository.split('/').pop() ?? '');
}

function inUse(reference: string, detail?: string): UserErrorException {
  return new UserErrorException({
    code: 'IMAGE_IN_USE',
    message: `${reference} is used by a run, so it was not removed.`,
    action: 'Wait until the run has finished and its results are read (or stop it), then remove the image.',
    ...(detail ? { detail } : {}),
  });
}

function pullError(reference: string, error: unknown): UserErrorException {
  if (isConnectionError(error)) return engineUnavailable(error, `downloading ${reference}`);
  const message = engineMessage(error);
  if (/no such host|name resolution|dial tcp|i\/o timeout|network is unreachable|connection refused|TLS handshake timeout|proxyconnect/i.test(message)) {
    return new UserErrorException({
      code: 'REGISTRY_UNREACHABLE',
      message: `This computer cannot reach the registry to download ${reference}.`,
      action: 'Use "Load from file" with an image file prepared on a connected computer (Export there).',
      detail: message,
    });
  }
  return new UserErrorException({
    code: 'IMAGE_PULL_FAILED',
    message: `Docker could not download ${reference}.`,
    action: 'Check the image name. On a computer without internet, use "Load from file" instead.',
    detail: message,
  });
}
