import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { formatBytes } from '../api/format';
import type { Response } from '../api/errors';
import type { ImageCheck, ImageList, ImageLoadResult } from '../api/types';
import type { Core } from '../core';
import { describeSoftware } from '../engine/image-check';
import type { ImageProblem } from '../engine/image-check';
import { t, text } from '../i18n';
import { forCommandLine } from './cli-actions';
import { formatTransfer } from './progress';
import { EXIT_INTERRUPTED, onFirstInterrupt } from './interrupts';

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Live progress on an interactive terminal (overwrites one line); absent otherwise. */
  status?: (line: string) => void;
}

export function formatImageList(list: ImageList): string {
  if (list.images.length === 0) {
    return t('cli:image.none', { inUse: list.inUse });
  }
  const lines = list.images.map((image) => {
    const mark = image.inUse ? '*' : ' ';
    const name = image.references.join(', ') || image.id.slice(7, 19);
    const version = image.aucmediVersion ? `AUCMEDI ${image.aucmediVersion}` : t('cli:image.versionUnknown');
    const standIn = image.standIn ? ` [${t('cli:image.standIn')}]` : '';
    return [`${mark} ${name}  ${version}  ${formatBytes(image.sizeBytes)}  ${image.created.slice(0, 10)}  ${image.id.slice(7, 19)}${standIn}`, ...formatCheck(image.check)].join('\n');
  });
  if (!list.inUsePresent) lines.push(`  ${t('cli:image.inUseMissing', { inUse: list.inUse })}`);
  return lines.join('\n');
}

/** The image check under an image's line: its software, or why it is broken (and what IT should do). */
export function formatCheck(check: ImageCheck): string[] {
  const software = describeSoftware(check);
  if (check.state === 'ok') return [`    ${software}`];
  const problem = check.problem as ImageProblem;
  const message = problem.i18n ? text(problem.i18n.message) : problem.message;
  const action = problem.i18n?.action ? text(problem.i18n.action) : problem.action;
  return [
    ...(software ? [`    ${software}`] : []),
    `    ${check.state === 'broken' ? t('cli:image.broken', { message }) : message}`,
    `    ${t('cli:output.whatToDo', { action })}`,
    ...(problem.detail ? [`    ${t('cli:output.details', { detail: problem.detail })}`] : []),
  ];
}

export function formatLoaded(result: ImageLoadResult): string {
  return [
    t('cli:image.loaded', { names: result.references.join(', ') || result.imageIds.join(', ') }),
    `SHA-256 ${result.sha256} (${result.checksum === 'verified' ? t('cli:image.checksumVerified') : t('cli:image.checksumNone')})`,
    ...Object.entries(result.checks).flatMap(([id, check]) => [`  image ${id.slice(7, 19)}${check.aucmedi ? `: AUCMEDI ${check.aucmedi}` : ''}`, ...formatCheck(check)]),
  ].join('\n');
}

/** `aucmedi-desk image list|load FILE|save REF FILE|rm REF`. */
export async function imageCommand(core: Core, args: string[], json: boolean, io: CliIo, engine?: string): Promise<number> {
  const [action, ...rest] = args;
  const on = engine ? { engine } : {};
  const operationId = `cli-${randomUUID().slice(0, 8)}`;
  const unsubscribe = core.subscribe((event) => {
    if (event.type === 'image:progress' && event.progress.operationId === operationId) io.status?.(formatTransfer(event.progress));
  });
  const cancel = () => void core.handlers['operations:cancel']({ operationId });
  const stopListening = onFirstInterrupt(cancel);
  try {
    switch (action) {
      case 'list':
        return finish(await core.handlers['images:list'](on), json, io, formatImageList);
      case 'load':
        return finish(await core.handlers['images:load']({ file: path.resolve(rest[0] ?? ''), operationId, ...on }), json, io, formatLoaded);
      case 'save':
        return finish(
          await core.handlers['images:save']({ reference: rest[0] ?? '', file: path.resolve(rest[1] ?? ''), operationId, overwrite: rest.slice(2).includes('--force') }),
          json,
          io,
          (r) => t('cli:image.exported', { file: r.file, size: formatBytes(r.bytes), sha256: r.sha256, checksumFile: r.checksumFile }),
        );
      case 'rm':
        return finish(await core.handlers['images:remove']({ reference: rest[0] ?? '' }), json, io, (r) => t('cli:image.removed', { reference: r.removed }));
      default:
        return -1;
    }
  } finally {
    stopListening();
    unsubscribe();
  }
}

/** Prints a response as JSON or as text; exit 0 on success, 1 on an error value. */
export function finish<T>(response: Response<T>, json: boolean, io: CliIo, text: (data: T) => string): number {
  io.status?.('');
  if (response.ok) {
    io.out(json ? JSON.stringify(response.data) : text(response.data));
    return 0;
  }
  const exitCode = response.error.code === 'OPERATION_CANCELLED' ? EXIT_INTERRUPTED : 1;
  if (json) {
    io.out(JSON.stringify({ error: response.error }));
    return exitCode;
  }
  const error = forCommandLine(response.error);
  io.err([error.message, error.action && t('cli:output.whatToDo', { action: error.action }), error.detail && t('cli:output.details', { detail: error.detail })].filter(Boolean).join('\n'));
  return exitCode;
}
