/**
 * Configuration files: YAML or JSON, validated against a TypeBox schema that rejects unknown
 * keys and fills documented defaults. A problem becomes one ConfigError that names the file,
 * the key and what is wrong, which the CLI prints before exiting with code 2.
 */
import { readFileSync } from 'node:fs';
import type { TSchema, Static } from '@sinclair/typebox';
import { Ajv, type ErrorObject } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { FreshTrailError } from './errors.js';

export class ConfigError extends FreshTrailError {
  constructor(message: string) {
    super('FT_ERR_CONFIG', message);
    this.name = 'ConfigError';
  }
}

const ajv = new Ajv({ allErrors: false, useDefaults: true, strict: false });

/** Reads and validates a config file; `source` names it in messages. */
export function loadConfigFile<S extends TSchema>(path: string, schema: S): Static<S> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`${path}: cannot read the configuration file (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
  let raw: unknown;
  try {
    raw = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError(`${path}: not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`);
  }
  return validateConfig(raw ?? {}, schema, path);
}

/** Validates an already-parsed object (defaults are filled in place on a copy). */
export function validateConfig<S extends TSchema>(raw: unknown, schema: S, source: string): Static<S> {
  const copy: unknown = structuredClone(raw);
  const validate = ajv.compile(schema);
  if (!validate(copy)) {
    throw new ConfigError(`${source}: ${describe(validate.errors?.[0])}`);
  }
  return copy as Static<S>;
}

/** Turns an ajv error into "key: problem" with the key written as a user would (a.b[0].c). */
function describe(error: ErrorObject | undefined): string {
  if (!error) return 'invalid configuration';
  const key = error.instancePath
    .split('/')
    .slice(1)
    .map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part.replace(/~1/g, '/').replace(/~0/g, '~')}`))
    .join('')
    .replace(/^\./, '');
  const at = (name: string): string => (key ? `${key}.${name}` : name);
  switch (error.keyword) {
    case 'additionalProperties':
      return `${at(String(error.params.additionalProperty))}: unknown key (check its spelling against the documented options)`;
    case 'required':
      return `${at(String(error.params.missingProperty))}: required key is missing`;
    case 'enum':
      return `${key || '(root)'}: must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return `${key || '(root)'}: ${error.message ?? 'invalid value'}`;
  }
}
