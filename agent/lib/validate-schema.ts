// `agent validate --schema FILE`: the IIIF Presentation 3 JSON schema (draft-07) run with Ajv.
// Formats (uri, date-time) are not checked, as the official presentation validator does not either.

import { readFileSync } from 'node:fs';
import Ajv, { type ErrorObject } from 'ajv';

export type SchemaCheck = (document: unknown) => string[];

function describe(e: ErrorObject): string {
  const where = e.instancePath === '' ? '(root)' : e.instancePath;
  const extra = e.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})` : '';
  return `schema: ${where} ${e.message ?? e.keyword}${extra}`;
}

/** Compile the schema in `file`; the returned function lists a document's schema errors. */
export function loadSchema(file: string): SchemaCheck {
  let schema: object;
  try {
    schema = JSON.parse(readFileSync(file, 'utf8')) as object;
  } catch (err) {
    throw new Error(`--schema ${file}: cannot read it as JSON (${(err as Error).message})`);
  }
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const validate = ajv.compile(schema);
  return (document) => {
    if (validate(document)) return [];
    return [...new Set((validate.errors ?? []).map(describe))];
  };
}
