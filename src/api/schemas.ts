import { z } from 'zod';
import { predictionOptionsSchema, trainingOptionsSchema } from './aucmedi';
import type { Channel, RequestOf } from './channels';
import { DICOM_CLASS_ATTRIBUTES } from './dicom';
import { MODALITY_PATTERN } from './dicom-window';

/**
 * A request is a plain object, as JSON and IPC carry it. A strict object schema alone also takes a
 * Date, Map, Set, RegExp, Error or boxed number (no own keys) for an empty request.
 */
const isPlainObject = (value: unknown) => Object.prototype.toString.call(value) === '[object Object]';
const plainObject = <T extends z.ZodType>(schema: T) => z.custom<unknown>(isPlainObject, 'must be an object').pipe(schema);

const empty = plainObject(z.object({}).strict());

const noControlChars = (s: string) => !/[\u0000-\u001f]/.test(s);

export const engineEndpointSchema = z
  .string()
  .max(1024)
  .refine(noControlChars, 'must not contain control characters')
  .refine((s) => /^(unix|npipe|tcp|ssh):\/\/.+/.test(s), 'must start with unix://, npipe://, tcp:// or ssh://');

/** Windows path forms (`C:\\`, `\\\\server\\share`) are absolute only on a Windows host; elsewhere they would resolve against the working folder. */
const WINDOWS_HOST = typeof process !== 'undefined' && process.platform === 'win32';

/** An absolute path in the host's own form (POSIX, or on Windows also a drive or UNC path), as a picker or a drop gives it. */
export const absolutePathSchema = z
  .string()
  .min(1)
  .max(4096)
  .refine(noControlChars, 'must not contain control characters')
  .refine((s) => s.startsWith('/') || (WINDOWS_HOST && (/^[a-zA-Z]:[\\/]/.test(s) || s.startsWith('\\\\'))), 'must be an absolute path');

const operationIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, - or _');
const dicomWindowSchema = z.union([z.literal('auto'), z.object({ width: z.number().finite().positive().max(1e9), center: z.number().finite().min(-1e9).max(1e9) }).strict()]);

const dicomClassesSchema = z.union([
  z.object({ from: z.literal('folders') }).strict(),
  z.object({ from: z.literal('csv'), file: absolutePathSchema, attribute: z.enum(DICOM_CLASS_ATTRIBUTES) }).strict(),
]);
const filePurposeSchema = z.enum(['image-tarball', 'annotation-csv', 'run-log', 'predictions-csv', 'report-html', 'weights-archive', 'diagnostics', 'engine-credential']);
const folderPurposeSchema = z.enum(['dataset', 'run-output', 'model', 'prediction-images', 'weights-folder', 'shared-folder']);

export const imageRefSchema = z
  .string()
  .min(1)
  .max(512)
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9._\-/:@]*$/, 'is not a valid image reference');

const languageSettingSchema = z.enum(['system', 'en', 'de']);

export const settingsPatchSchema = plainObject(
  z
    .object({
      engineEndpoint: engineEndpointSchema.nullable().optional(),
      imageRef: imageRefSchema.optional(),
      runsDir: absolutePathSchema.nullable().optional(),
      weightsDir: absolutePathSchema.nullable().optional(),
      language: languageSettingSchema.optional(),
    })
    .strict(),
);

/** Every stored setting, for reading a settings file back field by field. */
/** A name for an engine, as the docker CLI names contexts; `local` is the engine found on this computer. */
export const engineNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'a name of letters, digits, dots, dashes and underscores, starting with a letter or digit (at most 63)');

/** An engine on another machine: TLS files for tcp://, an optional key file for ssh://. */
const pathMappingsSchema = z
  .array(z.object({ local: absolutePathSchema, remote: absolutePathSchema.refine((p) => p.startsWith('/'), 'the server\'s side of a shared folder is a Linux path (/...)') }).strict())
  .max(16);

export const engineEntrySchema = z
  .object({
    name: engineNameSchema,
    url: engineEndpointSchema.refine((s) => /^(tcp|ssh):\/\//.test(s), 'a remote engine is reached by ssh:// or tcp:// (with TLS)'),
    tls: z.object({ ca: absolutePathSchema, cert: absolutePathSchema, key: absolutePathSchema }).strict().nullable(),
    identityFile: absolutePathSchema.nullable(),
    pathMappings: pathMappingsSchema.optional(),
  })
  .strict()
  .refine((entry) => !entry.url.startsWith('tcp://') || entry.tls !== null, 'a tcp:// engine needs its CA certificate, client certificate and key: the connection is always verified')
  .refine((entry) => entry.url.startsWith('tcp://') || entry.tls === null, 'TLS files are for tcp:// engines; ssh:// uses SSH keys')
  .refine((entry) => entry.url.startsWith('ssh://') || entry.identityFile === null, 'a key file is for ssh:// engines');

export const storedSettingsFields = {
  engines: z.array(engineEntrySchema).max(32),
  engineEndpoint: engineEndpointSchema.nullable(),
  imageRef: imageRefSchema,
  runsDir: absolutePathSchema.nullable(),
  weightsDir: absolutePathSchema.nullable(),
  language: languageSettingSchema,
  /** The data-protection yes per engine (and its address): the images of a run may be copied to that server. */
  uploadConsents: z.array(z.object({ engine: engineNameSchema, url: engineEndpointSchema, at: z.string().max(64) }).strict()).max(64),
  recentDatasets: z
    .array(z.object({ path: absolutePathSchema, gtFile: absolutePathSchema.nullable(), ohe: z.boolean(), usedAt: z.string().max(64) }))
    .max(20),
};

/** AUCMEDI trains on one GPU (see `GpuChoice`): "all GPUs" and several ids are refused with this. */
export const ONE_GPU_ONLY = 'AUCMEDI trains on one GPU: choose one GPU (by its number or UUID) or the CPU; runs on different GPUs go side by side';
const gpuChoiceSchema = z.discriminatedUnion(
  'kind',
  [
    z.object({ kind: z.literal('none') }).strict(),
    z.object({ kind: z.literal('ids'), ids: z.array(z.string().regex(/^[A-Za-z0-9-]{1,80}$/)).length(1, ONE_GPU_ONLY) }).strict(),
  ],
  { error: (issue) => (issue.code === 'invalid_union' ? ONE_GPU_ONLY : undefined) },
);
const datasetRefSchema = z.object({ path: absolutePathSchema, gtFile: absolutePathSchema.nullable(), ohe: z.boolean() }).strict();
const modelChoiceSchema = z.union([z.object({ runId: operationIdSchema }).strict(), z.object({ dir: absolutePathSchema }).strict()]);

/** Where a run goes: an engine by name, and the user's yes to uploading the data there. */
const runPlaceFields = { engine: engineNameSchema.nullable().optional(), allowUpload: z.boolean().optional() };

const trainingRequestSchema = z
  .object({
    dataset: datasetRefSchema,
    options: trainingOptionsSchema.omit({ ohe: true, gt: true }),
    gpus: gpuChoiceSchema,
    outputDir: absolutePathSchema.nullable().optional(),
    imageRef: imageRefSchema.nullable().optional(),
    ...runPlaceFields,
  })
  .strict();
const predictionRequestSchema = z
  .object({
    model: modelChoiceSchema,
    images: absolutePathSchema,
    options: predictionOptionsSchema.omit({ modelAnalysis: true }),
    gpus: gpuChoiceSchema,
    outputDir: absolutePathSchema.nullable().optional(),
    imageRef: imageRefSchema.nullable().optional(),
    ...runPlaceFields,
  })
  .strict();
const evaluationRequestSchema = z
  .object({
    model: modelChoiceSchema,
    dataset: datasetRefSchema,
    options: predictionOptionsSchema.omit({ modelAnalysis: true, xaiMethod: true }),
    gpus: gpuChoiceSchema,
    outputDir: absolutePathSchema.nullable().optional(),
    imageRef: imageRefSchema.nullable().optional(),
    ...runPlaceFields,
  })
  .strict();

/** One schema per channel; the core validates every request with it before a handler runs. */
export const requestSchemas: { [C in Channel]: z.ZodType<RequestOf<C>> } = {
  'app:info': empty as z.ZodType<RequestOf<'app:info'>>,
  'app:notices': empty as z.ZodType<RequestOf<'app:notices'>>,
  'app:export-diagnostics': z.object({ includeFolderNames: z.boolean() }).strict(),
  'engine:status': empty as z.ZodType<RequestOf<'engine:status'>>,
  'engine:diagnose': empty as z.ZodType<RequestOf<'engine:diagnose'>>,
  'engines:list': empty as z.ZodType<RequestOf<'engines:list'>>,
  // plainObject: an Error's inherited `name` would otherwise pass as an engine name
  'engines:diagnose': plainObject(z.object({ name: engineNameSchema }).strict()) as z.ZodType<RequestOf<'engines:diagnose'>>,
  'engines:add': plainObject(engineEntrySchema) as z.ZodType<RequestOf<'engines:add'>>,
  'engines:remove': plainObject(z.object({ name: engineNameSchema }).strict()) as z.ZodType<RequestOf<'engines:remove'>>,
  'engines:docker-contexts': empty as z.ZodType<RequestOf<'engines:docker-contexts'>>,
  'engines:trust-host-key': plainObject(z.object({ name: engineNameSchema, fingerprint: z.string().regex(/^(SHA256:)?[A-Za-z0-9+/]{43}=?$/, 'an SSH key fingerprint: SHA256: and 43 base64 characters, as ssh-keygen -l prints it') }).strict()) as z.ZodType<RequestOf<'engines:trust-host-key'>>,
  'engines:kept-datasets': plainObject(z.object({ name: engineNameSchema }).strict()) as z.ZodType<RequestOf<'engines:kept-datasets'>>,
  'engines:remove-kept-dataset': plainObject(z.object({ name: engineNameSchema, volume: z.string().regex(/^aucmedi-desk-data-[0-9a-f]{32}$/, 'a kept dataset as engines:kept-datasets names it') }).strict()) as z.ZodType<RequestOf<'engines:remove-kept-dataset'>>,
  'engines:shared-folders': plainObject(z.object({ name: engineNameSchema, pathMappings: pathMappingsSchema }).strict()) as z.ZodType<RequestOf<'engines:shared-folders'>>,
  'settings:get': empty as z.ZodType<RequestOf<'settings:get'>>,
  'settings:update': settingsPatchSchema as z.ZodType<RequestOf<'settings:update'>>,
  'images:list': plainObject(z.object({ engine: engineNameSchema.optional() }).strict()) as z.ZodType<RequestOf<'images:list'>>,
  'images:load': z.object({ file: absolutePathSchema, operationId: operationIdSchema, engine: engineNameSchema.optional() }).strict(),
  'images:save': z.object({ reference: imageRefSchema, file: absolutePathSchema, operationId: operationIdSchema, overwrite: z.boolean().optional() }).strict(),
  'images:pull': z.object({ reference: imageRefSchema, operationId: operationIdSchema }).strict(),
  'images:remove': z.object({ reference: imageRefSchema }).strict(),
  'dicom:scan': z.object({ path: absolutePathSchema, classes: dicomClassesSchema.optional(), operationId: operationIdSchema }).strict(),
  'dicom:convert': z
    .object({
      source: absolutePathSchema,
      out: absolutePathSchema,
      options: z
        .object({
          window: dicomWindowSchema,
          windowsByModality: z
            .record(z.string().regex(MODALITY_PATTERN, 'must be a DICOM Modality (up to 16 capitals, digits, spaces or underscores)'), dicomWindowSchema)
            .refine((windows) => Object.keys(windows).length <= 64, 'at most 64 modalities')
            .optional(),
          frames: z.enum(['each', 'refuse']),
          mappingFile: absolutePathSchema.nullable(),
          classes: dicomClassesSchema.optional(),
        })
        .strict(),
      operationId: operationIdSchema,
    })
    .strict(),
  'dataset:scan': z.object({ path: absolutePathSchema, gtFile: absolutePathSchema.nullable().optional(), ohe: z.boolean().optional(), purpose: z.enum(['training', 'prediction', 'evaluation']).optional(), scanId: operationIdSchema }).strict(),
  'dataset:preview': z
    .object({
      path: absolutePathSchema,
      file: z.string().min(1).max(4096).refine(noControlChars, 'must not contain control characters').refine((s) => !s.split(/[\\/]/).includes('..'), 'must stay inside the dataset'),
    })
    .strict(),
  'aucmedi:catalog': empty as z.ZodType<RequestOf<'aucmedi:catalog'>>,
  'weights:list': empty as z.ZodType<RequestOf<'weights:list'>>,
  'bundle:find': empty as z.ZodType<RequestOf<'bundle:find'>>,
  'weights:export': z.object({ operationId: operationIdSchema }).strict(),
  'weights:download': z.object({ architectures: z.array(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,39}$/)).min(1).max(40), threeDim: z.boolean(), allowNetwork: z.literal(true), operationId: operationIdSchema }).strict(),
  'weights:import': z.object({ source: absolutePathSchema, operationId: operationIdSchema }).strict(),
  'runs:start-training': trainingRequestSchema,
  'runs:start-prediction': predictionRequestSchema,
  'runs:start-evaluation': evaluationRequestSchema,
  'queue:list': empty as z.ZodType<RequestOf<'queue:list'>>,
  'queue:add': z.discriminatedUnion('mode', [
    z.object({ mode: z.literal('training'), request: trainingRequestSchema }).strict(),
    z.object({ mode: z.literal('prediction'), request: predictionRequestSchema }).strict(),
    z.object({ mode: z.literal('evaluation'), request: evaluationRequestSchema }).strict(),
  ]),
  'queue:move': z.object({ id: operationIdSchema, position: z.number().int().min(1).max(10_000) }).strict(),
  'queue:remove': z.object({ id: operationIdSchema }).strict(),
  'runs:predictions': z.object({ runId: operationIdSchema }).strict(),
  'runs:evaluation': z.object({ runId: operationIdSchema }).strict(),
  'runs:image': z.object({ runId: operationIdSchema, sample: z.string().min(1).max(1024).refine(noControlChars, 'must not contain control characters').refine((s) => !/[\\/]/.test(s) && s !== '.' && s !== '..', 'must be a sample name, not a path'), kind: z.enum(['image', 'heatmap']) }).strict(),
  'runs:export-predictions': z.object({ runId: operationIdSchema, predictedClass: z.string().min(1).max(256).refine(noControlChars, 'must not contain control characters').nullable().optional(), below: z.number().min(0).max(1).nullable().optional() }).strict(),
  'runs:export-report': z.object({ runId: operationIdSchema }).strict(),
  'runs:stop': z.object({ runId: operationIdSchema }).strict(),
  'runs:list': empty as z.ZodType<RequestOf<'runs:list'>>,
  'runs:set-aside': empty as z.ZodType<RequestOf<'runs:set-aside'>>,
  'runs:get': z.object({ runId: operationIdSchema }).strict(),
  'models:check': z.object({ dir: absolutePathSchema }).strict(),
  'runs:delete': z.object({ runId: operationIdSchema, deleteFiles: z.boolean() }).strict(),
  'runs:save-log': z.object({ runId: operationIdSchema }).strict(),
  'runs:export-curves': z.object({ runId: operationIdSchema }).strict(),
  'runs:open-folder': z.object({ runId: operationIdSchema }).strict(),
  'runs:log': z.object({ runId: operationIdSchema, offset: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) }).strict(),
  'gpu:detect': plainObject(z.object({ engine: engineNameSchema.nullable().optional() }).strict()) as z.ZodType<RequestOf<'gpu:detect'>>,
  'operations:cancel': z.object({ operationId: operationIdSchema }).strict(),
  'dialog:open-file': z.object({ purpose: filePurposeSchema }).strict(),
  'dialog:open-folder': z.object({ purpose: folderPurposeSchema }).strict(),
  'dialog:save-file': z.object({ purpose: filePurposeSchema, defaultName: z.string().min(1).max(255).refine(noControlChars).refine((s) => !/[\\/]/.test(s) && s !== '.' && s !== '..', 'must be a file name, not a path') }).strict(),
};

/** A short, readable list of what is wrong with a request. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : 'request'}: ${issue.message}`)
    .join('; ');
}
