// Read a metadata file (CSV with a header row, or JSON) for `--metadata`.

import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { MetadataTable, type MetadataRow, jsonRows } from '../../shared/metadata.ts';

export function readMetadataFile(path: string): MetadataTable {
  const text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
  let rows: MetadataRow[];
  if (/\.json$/i.test(path) || /^\s*[[{]/.test(text)) {
    rows = jsonRows(JSON.parse(text));
  } else {
    rows = parse(text, { columns: true, skip_empty_lines: true, trim: true, relax_column_count: true, bom: true }) as MetadataRow[];
  }
  return new MetadataTable(rows);
}
