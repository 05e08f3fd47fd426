// The IIIF Presentation 3 JSON schema from ../shared, compiled with Ajv (draft-07) and
// ajv-formats, so that `format: uri` is checked too. Read at test time, never copied.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

export const SCHEMA_DIR = resolve(__dirname, '..', '..', '..', 'shared', 'iiif-schema');

let compiled: ValidateFunction | undefined;
export function presentationValidator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    compiled = ajv.compile(JSON.parse(readFileSync(join(SCHEMA_DIR, 'iiif_3_0.json'), 'utf8')));
  }
  return compiled;
}

/** Schema errors of a document, as readable lines (empty when valid). */
export function schemaErrors(doc: unknown): string[] {
  const validate = presentationValidator();
  if (validate(doc)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}
