/**
 * The shape a run record must have before the app uses it: the fields the history, the Runs page
 * and the CLI read without checking. A record is the app's own file, but it can be cut short, edited
 * or left by another version; one that does not pass is set aside (src/runs/store.ts) rather than
 * breaking the history for every run. Unknown fields are kept (a newer version may add some).
 */
import { z } from 'zod';
import type { RunRecord } from '../api/runs';

const text = z.string().max(100_000);
const texts = z.array(text);
const nullableText = text.nullable();
const fingerprint = z.looseObject({ fileCount: z.number(), totalBytes: z.number(), sha256: text }).nullable();
const userError = z.looseObject({ code: text, message: text, action: text }).nullable();
const gpus = z.union([z.looseObject({ kind: z.enum(['none', 'all']) }), z.looseObject({ kind: z.literal('ids'), ids: texts })]);
const datasetRef = z.looseObject({ path: text, gtFile: nullableText, ohe: z.boolean(), fingerprint });
const model = z.looseObject({ dir: text, runId: nullableText, classNames: texts, analysis: nullableText, architectures: texts });
const epoch = z.looseObject({ epoch: z.number(), metrics: z.record(z.string(), z.number().nullable()) });

const common = {
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  state: z.enum(['preparing', 'running', 'stopping', 'succeeded', 'failed', 'cancelled', 'interrupted']),
  createdAt: text,
  startedAt: nullableText,
  endedAt: nullableText,
  imageRef: text,
  imageId: nullableText,
  containerId: nullableText,
  outputDir: text.min(1),
  command: texts,
  gpus,
  progress: z.looseObject({}).nullable(),
  exitCode: z.number().nullable(),
  error: userError,
};

const runRecordSchema = z.discriminatedUnion('mode', [
  z.looseObject({
    ...common,
    mode: z.literal('training'),
    dataset: datasetRef,
    options: z.looseObject({ analysis: text, architectures: texts, epochs: z.number() }),
    epochs: z.array(epoch),
    modelFiles: texts,
    classNames: texts,
  }),
  z.looseObject({
    ...common,
    mode: z.literal('prediction'),
    model,
    images: z.looseObject({ path: text, fingerprint, totalImages: z.number() }),
    options: z.looseObject({}),
    results: z.looseObject({}).nullable(),
  }),
  z.looseObject({
    ...common,
    mode: z.literal('evaluation'),
    model,
    dataset: datasetRef.extend({ interface: text }),
    options: z.looseObject({}),
    step: z.enum(['prediction', 'evaluation']),
    predictionCommand: texts,
    results: z.looseObject({}).nullable(),
  }),
]);

/** The record, or why it is not one (the first few problems, as a short sentence). */
export function parseRunRecord(value: unknown): { record: RunRecord } | { problem: string } {
  const parsed = runRecordSchema.safeParse(value);
  if (parsed.success) return { record: parsed.data as unknown as RunRecord };
  const problems = parsed.error.issues.slice(0, 3).map((issue) => `${issue.path.join('.') || 'the record'}: ${issue.message}`);
  return { problem: problems.join('; ') };
}
