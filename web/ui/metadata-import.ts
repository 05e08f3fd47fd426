// A metadata file (CSV with a header row, or JSON) for many images at once, as `agent tile --metadata`:
// rows keyed by id or file name; label|title, summary, rights, attribution, other columns become pairs.
// It is applied to the stored images it names and kept (in localStorage) for images tiled later.

import { parse } from 'csv-parse/browser/esm/sync';
import type { ImageMetadata } from '../../shared/iiif/manifest.ts';
import { MetadataTable, type MetadataRow, jsonRows } from '../../shared/metadata.ts';
import { updateMetadata } from '../storage/store.ts';
import type { StoredImage } from '../storage/types.ts';
import { errorMessage } from './dom.ts';
import { plural } from './format.ts';

const REMEMBERED = 'tessella.metadata-file';

export function parseMetadataRows(fileName: string, content: string): MetadataRow[] {
  const text = content.replace(/^\uFEFF/, '');
  if (/\.json$/i.test(fileName) || /^\s*[[{]/.test(text)) return jsonRows(JSON.parse(text));
  return parse(text, { columns: true, skip_empty_lines: true, trim: true, relax_column_count: true, bom: true }) as MetadataRow[];
}

export interface MetadataImportElements {
  input: HTMLInputElement;
  choose: HTMLButtonElement;
  forget: HTMLButtonElement;
  status: HTMLElement;
}

export interface MetadataImportDeps {
  storedImages(): StoredImage[];
  applied(image: StoredImage): void;
}

export class MetadataImport {
  private table: MetadataTable | undefined;
  private fileName = '';

  constructor(
    private readonly els: MetadataImportElements,
    private readonly deps: MetadataImportDeps,
  ) {
    els.choose.addEventListener('click', () => els.input.click());
    els.input.addEventListener('change', () => {
      const file = els.input.files?.[0];
      els.input.value = '';
      if (file) void this.load(file);
    });
    els.forget.addEventListener('click', () => {
      this.table = undefined;
      localStorage.removeItem(REMEMBERED);
      this.say(`Forgotten. Images tiled from now on get no metadata from ${this.fileName}.`);
      this.showState();
    });
    this.restore();
  }

  /** Metadata for an image about to be tiled, from the loaded file. */
  metadataFor(id: string, fileName: string): ImageMetadata | undefined {
    return this.table?.lookup(id, fileName);
  }

  private restore(): void {
    try {
      const saved = JSON.parse(localStorage.getItem(REMEMBERED) ?? 'null') as { name: string; rows: MetadataRow[] } | null;
      if (!saved) return;
      this.use(saved.name, saved.rows);
      this.say(`${saved.name} (${plural(saved.rows.length, 'row')}) is used for images tiled from now on.`);
    } catch {
      localStorage.removeItem(REMEMBERED);
    }
    this.showState();
  }

  private use(name: string, rows: MetadataRow[]): void {
    this.table = new MetadataTable(rows);
    this.fileName = name;
  }

  private async load(file: File): Promise<void> {
    let rows: MetadataRow[];
    try {
      rows = parseMetadataRows(file.name, await file.text());
    } catch (err) {
      this.say(`Could not read ${file.name}: ${errorMessage(err)}`, true);
      return;
    }
    const table = new MetadataTable(rows);
    if (table.size === 0) {
      this.say(`${file.name} has no rows with an id or file column (id, file, filename, file_name or source), so no image can be matched.`, true);
      return;
    }
    this.use(file.name, rows);
    try {
      localStorage.setItem(REMEMBERED, JSON.stringify({ name: file.name, rows }));
    } catch {
      // Too large for localStorage: it still applies for this session.
    }
    this.showState();

    let applied = 0;
    const failures: string[] = [];
    for (const image of this.deps.storedImages()) {
      const metadata = table.lookup(image.id, image.sourceName);
      if (!metadata) continue;
      try {
        this.deps.applied(await updateMetadata(image.id, metadata));
        applied++;
      } catch (err) {
        failures.push(`${image.id}: ${errorMessage(err)}`);
      }
    }
    const parts = [
      `${file.name}: ${plural(rows.length, 'row')}.`,
      applied > 0 ? `Applied to ${plural(applied, 'stored image')}.` : 'No stored image matches it.',
      'Images tiled from now on get their row too.',
    ];
    if (failures.length > 0) parts.push(`Not applied: ${failures.join('; ')}`);
    this.say(parts.join(' '), failures.length > 0);
  }

  private showState(): void {
    this.els.forget.hidden = this.table === undefined;
    this.els.forget.textContent = this.table ? `Forget ${this.fileName}` : 'Forget';
  }

  private say(text: string, isError = false): void {
    this.els.status.textContent = text;
    this.els.status.classList.toggle('is-error', isError);
  }
}
