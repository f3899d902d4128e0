import { z } from 'zod';
import type { Channel, RequestOf } from './channels';

const empty = z.object({}).strict();

const noControlChars = (s: string) => !/[\u0000-\u001f]/.test(s);

export const engineEndpointSchema = z
  .string()
  .max(1024)
  .refine(noControlChars, 'must not contain control characters')
  .refine((s) => /^(unix|npipe|tcp):\/\/.+/.test(s), 'must start with unix://, npipe:// or tcp://');

const imageRefSchema = z
  .string()
  .min(1)
  .max(512)
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9._\-/:@]*$/, 'is not a valid image reference');

export const settingsPatchSchema = z
  .object({
    engineEndpoint: engineEndpointSchema.nullable().optional(),
    imageRef: imageRefSchema.optional(),
  })
  .strict();

/** One schema per channel; the core validates every request with it before a handler runs. */
export const requestSchemas: { [C in Channel]: z.ZodType<RequestOf<C>> } = {
  'app:info': empty as z.ZodType<RequestOf<'app:info'>>,
  'engine:status': empty as z.ZodType<RequestOf<'engine:status'>>,
  'engine:diagnose': empty as z.ZodType<RequestOf<'engine:diagnose'>>,
  'settings:get': empty as z.ZodType<RequestOf<'settings:get'>>,
  'settings:update': settingsPatchSchema as z.ZodType<RequestOf<'settings:update'>>,
};

/** A short, readable list of what is wrong with a request. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : 'request'}: ${issue.message}`)
    .join('; ');
}
