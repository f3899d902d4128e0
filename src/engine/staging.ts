/**
 * A run's data on an engine that cannot see this computer's files (src/engine/file-visibility.ts):
 * uploaded into a Docker volume through the engine API, and the outputs downloaded from one.
 *
 * In: the files are packed into one tar stream (src/engine/archive-packer.ts) and sent with `PUT /archive` into a
 * helper container that is created, never started, with the volume mounted: the engine writes
 * them into the volume. Each file's SHA-256 is taken while it is packed; then a throwaway
 * container on the server hashes what landed in the volume and both sides compare the file count
 * and one digest over all (path, SHA-256) pairs before anything uses the data. (The stream itself
 * cannot be hashed on the server without storing it twice or a slower way in: fed to a started
 * container's stdin, or through `docker import`, it took longer than `docker cp` alone; see the
 * README's Status. The digest over every file's content and name checks the same bytes.) The check's container is started with the upload and
 * waits on its stdin, so its start is not added to the wait. A cancel or a failure removes the
 * helpers and the volume: nothing is left on the server.
 *
 * Out: `GET /archive` of the volume's folder through a helper container, unpacked here with every
 * name checked (no absolute paths, no `..`, no links), into the local output folder.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';
import tar from 'tar-stream';
import { errorDetail, localizedException, UserErrorException } from '../api/errors';
import type { StagingProgress } from '../api/runs';
import { msg } from '../i18n';
import { APP_LABEL, PURPOSE_LABEL, runOnce, startOnce, type RunOnceOptions, type StartedOnce } from './containers';
import { ArchiveBody } from './archive-packer';
import { TransferMeter } from './progress';

/** Where a helper container sees the volume. */
const STAGE_DIR = '/stage';
export const STAGE_LABEL = 'org.aucmedi-desk.staged';

export interface StageSource {
  /** A folder (its files, recursively) or one file on this computer. */
  hostPath: string;
  /** Where it goes in the volume ('/'-separated, relative); '' for the volume's top. */
  at: string;
}

/** As the window and the CLI get it (`run:transfer`). */
export type StageProgress = StagingProgress;

export interface StagedManifest {
  files: number;
  bytes: number;
  /** SHA-256 over the sorted lines `<sha256 of the file> <path>\n` (paths compared as UTF-8 bytes). */
  digest: string;
}

export interface StageOptions {
  /** An image present on the engine with python3 (the AUCMEDI image in use): the helpers run in it. */
  image: string;
  volume: string;
  labels?: Record<string, string>;
  /** The local driver's options for the volume made (the tests use a size-limited tmpfs to play a full disk). */
  driverOpts?: Record<string, string>;
  signal?: AbortSignal;
  onProgress?: (progress: StageProgress) => void;
}

/** What landed on the server is not what was sent. */
export class StagingVerifyFailed extends Error {
  constructor(
    readonly sent: StagedManifest,
    readonly found: { files: number; digest: string },
  ) {
    super(`the server holds ${found.files} files with digest ${found.digest}, ${sent.files} files with digest ${sent.digest} were sent`);
  }
}

export class StagingCancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

const byUtf8 = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

export function manifestDigest(entries: ReadonlyArray<[rel: string, sha256: string]>): string {
  const hash = createHash('sha256');
  for (const [rel, sha] of [...entries].sort((a, b) => byUtf8(a[0], b[0]))) hash.update(`${sha} ${rel}\n`);
  return hash.digest('hex');
}

/**
 * Run on the server: the same digest over what the volume holds. Started with the upload, it waits
 * for one byte on its stdin ("g": the upload is complete); anything else (the app gone) ends it.
 * The files are shared among one process per core (up to 8; the upload no longer needs the cores):
 * on 2 cores 0.7 s for 977 MiB against 1.1 s in one. Each reads through one reused buffer (a file
 * object's fresh bytes per read cost a third more). A link or anything but a regular file is not
 * counted; names are sent back NUL-separated, as a name may hold a newline.
 */
const VERIFY_SCRIPT = String.raw`
import errno, hashlib, os, stat, sys
if sys.stdin.buffer.read(1) != b"g": sys.exit(3)
root = sys.argv[1]
paths = [os.path.join(folder, name) for folder, _, files in os.walk(root) for name in files]
def hashes(part):
    buffer = bytearray(1 << 20)
    view = memoryview(buffer)
    found = []
    for full in part:
        try: fd = os.open(full, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError as error:
            if error.errno == errno.ELOOP: continue
            raise
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode): continue
            h = hashlib.sha256()
            while n := os.readv(fd, [buffer]): h.update(view[:n])
        finally: os.close(fd)
        rel = os.path.relpath(full, root).replace(os.sep, "/").encode("utf-8", "surrogateescape")
        found.append(h.hexdigest().encode() + b" " + rel)
    return b"\0".join(found)
workers = max(1, min(8, len(os.sched_getaffinity(0))))
children = []
for i in range(1, workers):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        code = 0
        try: found = hashes(paths[i::workers])
        except BaseException as error:
            sys.stderr.write(repr(error) + "\n")
            found, code = b"", 1
        with os.fdopen(w, "wb") as out: out.write(found)
        os._exit(code)
    os.close(w)
    children.append((pid, r))
parts = [hashes(paths[0::workers])]
for pid, r in children:
    with os.fdopen(r, "rb") as reader: parts.append(reader.read())
    if os.waitpid(pid, 0)[1] != 0: sys.exit(1)
lines = sorted((line for part in parts for line in part.split(b"\0") if line), key=lambda line: line[65:])
digest = hashlib.sha256()
for line in lines: digest.update(line + b"\n")
print(len(lines), digest.hexdigest())
`;

/**
 * A container that is created and never started, with the volume at STAGE_DIR: the engine reads and
 * writes the volume through it. Removed with `v: true`: AUCMEDI's image declares `VOLUME ["/data"]`
 * (its Dockerfile in frankkramer-lab/aucmedi; docker/stand-in does the same), which makes an
 * anonymous volume for every container, left on the server otherwise. The check runs `python3`,
 * which that image has (its base is tensorflow/tensorflow).
 */
async function helperContainer(docker: Docker, options: StageOptions, readOnly: boolean): Promise<Docker.Container> {
  return docker.createContainer({
    Image: options.image,
    Entrypoint: ['true'],
    Cmd: [],
    Labels: { [APP_LABEL]: 'aucmedi-desk', [PURPOSE_LABEL]: 'staging' },
    NetworkDisabled: true,
    HostConfig: { NetworkMode: 'none', Mounts: [{ Type: 'volume', Source: options.volume, Target: STAGE_DIR, ReadOnly: readOnly }] },
  });
}

export async function volumeExists(docker: Docker, name: string): Promise<boolean> {
  return docker
    .getVolume(name)
    .inspect()
    .then(
      () => true,
      (error: { statusCode?: number }) => {
        if (error.statusCode === 404) return false;
        throw error;
      },
    );
}

/** Removes a volume; one already gone counts as removed. */
export async function removeVolume(docker: Docker, name: string): Promise<void> {
  await docker
    .getVolume(name)
    .remove({ force: true })
    .catch((error: { statusCode?: number }) => {
      if (error.statusCode !== 404) throw error;
    });
}

/**
 * Uploads the sources into a new volume and checks on the server that it holds exactly what was
 * sent. Refuses a volume that exists already (a staged dataset is reused by its name, not refilled).
 */
export async function stageIn(docker: Docker, sources: readonly StageSource[], options: StageOptions): Promise<StagedManifest> {
  if (await volumeExists(docker, options.volume)) throw new Error(`the volume ${options.volume} exists already`);
  const archive = await ArchiveBody.open(sources);
  const { files, bytes } = archive;
  const meter = new TransferMeter(bytes);
  const report = (phase: StageProgress['phase'], done: number) =>
    options.onProgress?.({ phase, bytesDone: meter.bytesDone, bytesTotal: bytes, bytesPerSecond: meter.bytesPerSecond, secondsLeft: meter.secondsLeft, files: done });
  archive.onProgress = (progress) => {
    // the archive's headers and padding are not the files' bytes: the meter counts those only
    meter.add(Math.max(0, Math.min(bytes, progress.bytes) - meter.bytesDone));
    if (meter.due()) report('uploading', progress.files);
  };
  archive.on('error', () => undefined); // said by putArchive, or by the hashes
  const onAbort = () => archive.destroy(new StagingCancelled());
  let helper: Docker.Container | null = null;
  let checker: Promise<StartedOnce> | null = null;
  await docker
    .createVolume({ Name: options.volume, Labels: { [APP_LABEL]: 'aucmedi-desk', [STAGE_LABEL]: 'input', ...options.labels }, ...(options.driverOpts ? { DriverOpts: options.driverOpts } : {}) })
    .catch(async (error: unknown) => {
      await archive.close();
      throw error;
    });
  try {
    if (options.signal?.aborted) throw new StagingCancelled();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    helper = await helperContainer(docker, options, false);
    if (options.signal?.aborted) throw new StagingCancelled();
    // the check's container starts while the upload runs: its start takes as long as the hashing
    checker = startChecker(docker, options);
    checker.catch(() => undefined); // said when the check is due
    // The engine answers when it has read the whole stream (or fails on the first bad byte).
    const [, hashes] = await Promise.all([helper.putArchive(archive as unknown as NodeJS.ReadableStream, { path: STAGE_DIR }), archive.hashes]);
    if (options.signal?.aborted) throw new StagingCancelled();
    report('verifying', files.length);
    const sent: StagedManifest = { files: files.length, bytes, digest: manifestDigest(hashes) };
    await check(await checker, sent); // on a failure the catch's discard finds it removed already
    return sent;
  } catch (error) {
    archive.destroy();
    await checker?.then((started) => started.discard(), () => undefined);
    await helper?.remove({ force: true, v: true }).catch(() => undefined);
    helper = null;
    await removeVolume(docker, options.volume).catch(() => undefined);
    if (options.signal?.aborted) throw new StagingCancelled();
    throw stagingError(error, 'upload', bytes);
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await archive.close();
    await helper?.remove({ force: true, v: true }).catch(() => undefined);
  }
}

/** The check's container, started and waiting for the upload to complete. */
function startChecker(docker: Docker, options: Pick<StageOptions, 'image' | 'volume' | 'signal'>): Promise<StartedOnce> {
  return startOnce(docker, { ...scriptOnVolume(options, VERIFY_SCRIPT, 'staging-verify', 30 * 60_000), stdin: true });
}

/** A throwaway container that runs a Python script over the volume, mounted read-only at STAGE_DIR. */
function scriptOnVolume(options: Pick<StageOptions, 'image' | 'volume' | 'signal'>, script: string, purpose: string, timeoutMs: number): RunOnceOptions {
  return {
    image: options.image,
    entrypoint: ['python3', '-c', script],
    cmd: [STAGE_DIR],
    mounts: [{ Type: 'volume', Source: options.volume, Target: STAGE_DIR, ReadOnly: true }],
    purpose,
    timeoutMs,
    ...(options.signal ? { signal: options.signal } : {}),
  };
}

/** Lets the started check hash what the volume holds, and compares that with what was sent. */
async function check(checker: StartedOnce, sent: StagedManifest): Promise<void> {
  checker.stdin!.write('g');
  const result = await checker.finish();
  const [count, digest] = result.stdout.trim().split(/\s+/);
  if (result.exitCode !== 0 || !digest) throw new Error(`the check on the server failed (exit ${result.exitCode}): ${result.stderr.trim().slice(0, 500)}`);
  if (Number(count) !== sent.files || digest !== sent.digest) throw new StagingVerifyFailed(sent, { files: Number(count), digest });
}

/** Hashes what the volume holds, on the server, and compares it with what was sent. */
export async function verifyStaged(docker: Docker, sent: StagedManifest, options: Pick<StageOptions, 'image' | 'volume' | 'signal'>): Promise<void> {
  await check(await startChecker(docker, options), sent);
}

/**
 * A failed upload or download in the user's words: the server's disk full, the data changed on the
 * way, or anything else with the engine's own message as the detail. Everything sent was removed.
 */
export function stagingError(error: unknown, direction: 'upload' | 'download', bytes: number | null): UserErrorException {
  if (error instanceof UserErrorException) return error;
  const detail = errorDetail(error);
  if (error instanceof StagingVerifyFailed) return localizedException('STAGING_VERIFY_FAILED', msg('remote:staging.verifyFailed.message'), msg('remote:staging.verifyFailed.action'), detail);
  if (/no space left on device|ENOSPC|disk quota exceeded/i.test(detail)) {
    const message = bytes === null ? msg('remote:staging.noSpace.messageUnsized') : msg('remote:staging.noSpace.message', { bytes });
    return localizedException('STAGING_NO_SPACE', message, msg('remote:staging.noSpace.action'), detail);
  }
  return localizedException('STAGING_FAILED', msg(`remote:staging.failed.${direction}`), msg('remote:staging.failed.action'), detail);
}

/** A name from an archive, made safe to join under a folder: relative, no `..`, no empty parts. Null when it is not. */
export function safeRelativeName(name: string): string | null {
  const parts = name.replace(/\\/g, '/').split('/').filter((part) => part !== '' && part !== '.');
  if (parts.length === 0 || parts.some((part) => part === '..') || /^[A-Za-z]:/.test(parts[0]!)) return null;
  return parts.join('/');
}

/** Run on the server: the bytes of the volume's regular files, what a download writes (no link, nothing else). */
const SIZE_SCRIPT = String.raw`
import os, stat, sys
total = 0
for folder, _, files in os.walk(sys.argv[1]):
    for name in files:
        info = os.lstat(os.path.join(folder, name))
        if stat.S_ISREG(info.st_mode): total += info.st_size
print(total)
`;

/**
 * What the volume's files weigh, measured on the server by a throwaway container; null when it
 * cannot say. An estimate for the time left: a folder that a container without capabilities may
 * not enter (one that a run's user made private) is not counted.
 */
export async function volumeBytes(docker: Docker, options: Pick<StageOptions, 'image' | 'volume' | 'signal'>): Promise<number | null> {
  const result = await runOnce(docker, scriptOnVolume(options, SIZE_SCRIPT, 'staging-size', 5 * 60_000));
  const total = Number(result.stdout.trim());
  return result.exitCode === 0 && Number.isSafeInteger(total) ? total : null;
}

/** A download still going after this long gets its total measured on the server, for the time left (a container's start costs more than a short download). */
const SIZE_AFTER_MS = 1000;

/**
 * Downloads what the volume holds into `localDir` (made when missing); files of the same name are
 * replaced, nothing else there is touched. Returns the number of files and bytes written.
 */
export async function stageOut(docker: Docker, localDir: string, options: StageOptions): Promise<{ files: number; bytes: number }> {
  const helper = await helperContainer(docker, options, true);
  const meter = new TransferMeter(null);
  let files = 0;
  // stopped in the finally below, which a cancel reaches too (the download fails first)
  const sizing = new AbortController();
  let sized = Promise.resolve();
  const sizeLater = setTimeout(() => {
    sized = volumeBytes(docker, { ...options, signal: sizing.signal }).then(
      (total) => void (meter.bytesTotal = total),
      () => undefined, // no total: the progress goes on without one
    );
  }, SIZE_AFTER_MS);
  try {
    const archive = (await helper.getArchive({ path: `${STAGE_DIR}/.` })) as unknown as NodeJS.ReadableStream;
    const extract = tar.extract();
    const onAbort = () => extract.destroy(new StagingCancelled());
    options.signal?.addEventListener('abort', onAbort, { once: true });
    extract.on('entry', (header, stream, next) => {
      const rel = safeRelativeName(header.name);
      const done = (error?: unknown) => next(error as Error | undefined);
      if (rel === null || (header.type !== 'file' && header.type !== 'directory')) {
        // the volume's own top entry, or something that is not a plain file or folder: not written here
        stream.resume();
        stream.once('end', () => done());
        return;
      }
      const target = path.join(localDir, ...rel.split('/'));
      if (header.type === 'directory') {
        stream.resume();
        mkdir(target, { recursive: true }).then(() => done(), done);
        return;
      }
      mkdir(path.dirname(target), { recursive: true })
        .then(() =>
          pipeline(
            stream,
            async function* (chunks: AsyncIterable<unknown>) {
              for await (const chunk of chunks as AsyncIterable<Buffer>) {
                meter.add(chunk.length);
                if (meter.due()) options.onProgress?.({ phase: 'downloading', bytesDone: meter.bytesDone, bytesTotal: meter.bytesTotal, bytesPerSecond: meter.bytesPerSecond, secondsLeft: meter.secondsLeft, files });
                yield chunk;
              }
            },
            createWriteStream(target),
          ),
        )
        .then(() => {
          files += 1;
          done();
        }, done);
    });
    await mkdir(localDir, { recursive: true });
    try {
      await pipeline(archive, extract);
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
    if (options.signal?.aborted) throw new StagingCancelled();
    return { files, bytes: meter.bytesDone };
  } catch (error) {
    if (options.signal?.aborted || error instanceof StagingCancelled) throw new StagingCancelled();
    throw stagingError(error, 'download', null);
  } finally {
    clearTimeout(sizeLater);
    sizing.abort(); // a measurement still going is stopped, and its container removed
    await sized;
    await helper.remove({ force: true, v: true }).catch(() => undefined);
  }
}

/** In a kept volume: what its upload sent, written once the server's check agreed. Its absence means the upload never finished. */
const COMPLETE_FILE = '.aucmedi-desk-complete';

/** Notes in the volume that its upload is complete and checked (`sent`, as stageIn returned it). */
export async function markComplete(docker: Docker, options: Pick<StageOptions, 'image' | 'volume'>, sent: StagedManifest): Promise<void> {
  const helper = await helperContainer(docker, options, false);
  try {
    const pack = tar.pack();
    pack.entry({ name: COMPLETE_FILE, mode: 0o644 }, JSON.stringify(sent));
    pack.finalize();
    await helper.putArchive(pack as unknown as NodeJS.ReadableStream, { path: STAGE_DIR });
  } finally {
    await helper.remove({ force: true, v: true }).catch(() => undefined);
  }
}

/** What a kept volume's completed upload sent; null when the volume is missing or its upload never finished. */
export async function readComplete(docker: Docker, options: Pick<StageOptions, 'image' | 'volume'>): Promise<StagedManifest | null> {
  if (!(await volumeExists(docker, options.volume))) return null;
  const helper = await helperContainer(docker, options, true);
  try {
    const archive = (await helper.getArchive({ path: `${STAGE_DIR}/${COMPLETE_FILE}` }).catch((error: { statusCode?: number }) => {
      if (error.statusCode === 404) return null;
      throw error;
    })) as NodeJS.ReadableStream | null;
    if (!archive) return null;
    let text = '';
    const extract = tar.extract();
    extract.on('entry', (_header, stream, next) => {
      stream.on('data', (chunk: unknown) => (text += (chunk as Buffer).toString('utf8')));
      stream.on('end', () => next());
    });
    await pipeline(archive, extract);
    const parsed = JSON.parse(text) as Partial<StagedManifest>;
    return typeof parsed.files === 'number' && typeof parsed.bytes === 'number' && typeof parsed.digest === 'string' ? { files: parsed.files, bytes: parsed.bytes, digest: parsed.digest } : null;
  } catch {
    return null;
  } finally {
    await helper.remove({ force: true, v: true }).catch(() => undefined);
  }
}
