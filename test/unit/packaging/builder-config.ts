import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';

/*
 * Reads electron-builder.yml and checks it the way electron-builder does, with what electron-builder
 * itself brings: its JSON schema (app-builder-lib/scheme.json), and the YAML parser (js-yaml) and
 * schema validator (ajv) it depends on. js-yaml and ajv are TRANSITIVE dependencies (of
 * app-builder-lib, through the electron-builder devDependency), hoisted to node_modules/ in
 * package-lock.json; nothing is added to package.json for them.
 */

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const CONFIG_FILE = path.join(ROOT, 'electron-builder.yml');

const require = createRequire(import.meta.url);
// js-yaml ships no type declarations; this is the one function used.
const yaml = require('js-yaml') as { load(text: string): unknown };

export type BuilderConfig = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export const parseYaml = (text: string): unknown => yaml.load(text);
export const readBuilderConfig = (file = CONFIG_FILE): BuilderConfig => parseYaml(readFileSync(file, 'utf8')) as BuilderConfig;

export const SCHEME_FILE = require.resolve('app-builder-lib/scheme.json');
export const scheme = JSON.parse(readFileSync(SCHEME_FILE, 'utf8')) as Record<string, unknown>;

/** ajv with the options of electron-builder's own validator (app-builder-lib/out/util/config/schemaValidator.js). */
export function builderAjv(): Ajv {
  return new Ajv({ allErrors: true, verbose: true, coerceTypes: true, strict: false });
}

/** The schema errors of a configuration, as `path: message` lines; [] when electron-builder would accept it. */
let compiled: ReturnType<Ajv['compile']> | undefined;
export function schemaErrors(config: unknown): string[] {
  const validate = (compiled ??= builderAjv().compile(scheme));
  // coerceTypes changes the data it validates: validate a copy.
  if (validate(structuredClone(config))) return [];
  return (validate.errors ?? []).map((error) => {
    const extra = error.keyword === 'additionalProperties' ? ` '${(error.params as { additionalProperty: string }).additionalProperty}'` : '';
    return `${error.instancePath || '(root)'}: ${error.message}${extra}`;
  });
}
