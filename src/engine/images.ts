import type Docker from 'dockerode';
import { localizedException, type UserErrorException } from '../api/errors';
import { msg } from '../i18n';
import type { ImageCheck, ImageList, ImageSummary, TransferProgress } from '../api/types';
import { RUN_ID_LABEL } from './containers';
import { checkImage } from './image-check';
import { engineMessage, engineUnavailable, isConnectionError } from './engine-errors';
import { imageNotFound } from './image-save';
import { readAll } from './image-load';
import { TransferMeter } from './progress';

export const STAND_IN_LABEL = 'org.aucmedi-desk.stand-in';
/** Image checks run side by side: each is mostly Python importing TensorFlow from disk. */
const CHECKS_AT_ONCE = 3;

/** The images the app can use, each with its image check, cached per image id (an id never changes content). */
export class ImageCatalog {
  private readonly checks = new Map<string, Promise<ImageCheck>>();

  /** `user`: the uid:gid runs use (Linux), so the check imports as a run would. */
  constructor(
    private readonly docker: () => Promise<Docker>,
    private readonly options: { user?: string } = {},
  ) {}

  async list(inUse: string): Promise<ImageList> {
    const docker = await this.docker();
    let images: Docker.ImageInfo[];
    try {
      images = await docker.listImages();
    } catch (error) {
      throw isConnectionError(error) ? engineUnavailable(error, msg('engine:images.doing.list')) : error;
    }
    const inUseId = await this.resolveId(docker, inUse);
    const relevant = images.filter(
      (image) => image.Id === inUseId || image.Labels?.[STAND_IN_LABEL] === 'true' || (image.RepoTags ?? []).some(isAucmediReference),
    );
    const summaries: ImageSummary[] = [];
    const checks = await inTurns(relevant.map((image) => () => this.check(image.Id, docker)), CHECKS_AT_ONCE);
    for (const [index, image] of relevant.entries()) {
      const check = checks[index]!;
      summaries.push({
        id: image.Id,
        references: (image.RepoTags ?? []).filter((tag) => tag !== '<none>:<none>'),
        created: new Date(image.Created * 1000).toISOString(),
        sizeBytes: image.Size,
        aucmediVersion: check.aucmedi,
        check,
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
      throw isConnectionError(error) ? engineUnavailable(error, msg('engine:images.doing.lookUp')) : error;
    }
  }

  /**
   * The image check of an image id (src/engine/image-check.ts): run once per id, shared by callers
   * that ask at the same time; an `unknown` answer (engine away, time-out) is not kept, so the next
   * question asks again.
   */
  check(id: string, docker?: Docker): Promise<ImageCheck> {
    const known = this.checks.get(id);
    if (known) return known;
    const checking = (async () => checkImage(docker ?? (await this.docker()), id, this.options))().catch((error: unknown) => {
      this.checks.delete(id);
      throw error;
    });
    this.checks.set(id, checking);
    void checking.then((check) => {
      if (check.state === 'unknown' && this.checks.get(id) === checking) this.checks.delete(id);
    }, () => undefined);
    return checking;
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
      throw isConnectionError(error) ? engineUnavailable(error, msg('engine:images.doing.remove', { reference })) : error;
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

/** Runs the tasks, at most `atOnce` at a time; the results in the tasks' order. */
async function inTurns<T>(tasks: (() => Promise<T>)[], atOnce: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(atOnce, tasks.length) }, worker));
  return results;
}

/** `ghcr.io/frankkramer-lab/aucmedi:latest`, `local/aucmedi-gpu:1`: the image's own name (last path part) says AUCMEDI. */
export function isAucmediReference(reference: string): boolean {
  const repository = reference.replace(/@.*$/, '').replace(/:[^/:]*$/, '');
  return /aucmedi/i.test(repository.split('/').pop() ?? '');
}

function inUse(reference: string, detail?: string): UserErrorException {
  return localizedException('IMAGE_IN_USE', msg('engine:images.inUse.message', { reference }), msg('engine:images.inUse.action'), detail || undefined);
}

function pullError(reference: string, error: unknown): UserErrorException {
  if (isConnectionError(error)) return engineUnavailable(error, msg('engine:images.doing.download', { reference }));
  const message = engineMessage(error);
  if (/no such host|name resolution|dial tcp|i\/o timeout|network is unreachable|connection refused|TLS handshake timeout|proxyconnect/i.test(message)) {
    return localizedException('REGISTRY_UNREACHABLE', msg('engine:images.registryUnreachable.message', { reference }), msg('engine:images.registryUnreachable.action'), message);
  }
  return localizedException('IMAGE_PULL_FAILED', msg('engine:images.pullFailed.message', { reference }), msg('engine:images.pullFailed.action'), message);
}
