// The image list: a queue that tiles files one (or a few) at a time, and the images already stored.
// Each image id has one entry whose row moves queued -> tiling -> done | error. A second file with
// an id already listed gets its own error row (the agent refuses two inputs with one id) until the
// user replaces the first one or skips the second.

import { imageIdFor } from '../../shared/iiif/ids.ts';
import type { ImageMetadata } from '../../shared/iiif/manifest.ts';
import type { TileOptions } from '../../shared/options.ts';
import { deleteAll, deleteImage, listImages } from '../storage/store.ts';
import type { StoredImage } from '../storage/types.ts';
import type { BrowserTiler } from '../tiler/tiler.ts';
import { errorMessage } from './dom.ts';
import { plural } from './format.ts';
import { ImageRow, type RowState, type RowView } from './image-row.ts';

/** Images tiled at once. One is enough: the tiler spreads one image over every core. */
const PARALLEL_IMAGES = 1;

export interface ImageListElements {
  list: HTMLOListElement;
  empty: HTMLElement;
  overall: HTMLElement;
  overallText: HTMLElement;
  overallBar: HTMLProgressElement;
  count: HTMLElement;
  deleteAll: HTMLButtonElement;
  exportZip: HTMLButtonElement;
}

export interface ImageListDeps {
  tiler(): BrowserTiler;
  /** The saved settings, read when an image starts tiling. */
  options(): TileOptions;
  /** Metadata from a loaded metadata file, for an image about to be tiled. */
  metadataFor(id: string, fileName: string): ImageMetadata | undefined;
  preview(image: StoredImage): void;
  /** Open the manifest editor; resolves with the saved image, or undefined when closed unsaved. */
  edit(image: StoredImage): Promise<StoredImage | undefined>;
  confirm(question: string, detail: string, action: string): Promise<boolean>;
  /** Something stored changed (tiled, deleted, edited). */
  changed(): void;
  /** An image was tiled and stored. */
  tiled(image: StoredImage): void;
}

interface Entry {
  id: string;
  row: ImageRow;
  state: RowState;
  /** The file to tile (queued, tiling, or failed and retryable). */
  file?: File;
  stored?: StoredImage;
  /** A refused second file for an id already listed. */
  duplicate: boolean;
  abort?: AbortController;
  running?: Promise<void>;
}

export class ImageList {
  /** Entries by image id (duplicates are not here). */
  private readonly byId = new Map<string, Entry>();
  private readonly duplicates = new Set<Entry>();
  private running = 0;
  /** Set while everything is being deleted: nothing new may start. */
  private paused = false;
  /** Entries added since the queue was last idle: what the overall progress counts. */
  private batch = new Set<Entry>();

  constructor(
    private readonly els: ImageListElements,
    private readonly deps: ImageListDeps,
  ) {
    els.deleteAll.addEventListener('click', () => void this.removeAll());
  }

  /** Show what is stored (on load: everything survives a reload). */
  async load(): Promise<void> {
    const images = await listImages();
    images.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
    for (const image of images) {
      if (this.byId.has(image.id)) continue;
      const entry = this.newEntry(image.id, false);
      entry.stored = image;
      this.byId.set(image.id, entry);
      this.setState(entry, { state: 'done', image });
    }
    this.refresh();
  }

  /** Every stored image, in list order. */
  storedImages(): StoredImage[] {
    return [...this.byId.values()].flatMap((e) => (e.state === 'done' && e.stored ? [e.stored] : []));
  }

  /** Replace a stored image's record (after a metadata edit elsewhere) and redraw its row. */
  updateStored(image: StoredImage): void {
    const entry = this.byId.get(image.id);
    if (!entry || entry.state !== 'done') return;
    entry.stored = image;
    this.setState(entry, { state: 'done', image });
  }

  add(files: File[]): void {
    if (!this.busy()) this.batch = new Set();
    for (const file of files) {
      const id = imageIdFor(file.name);
      const existing = this.byId.get(id);
      if (existing) {
        const entry = this.newEntry(id, true);
        entry.file = file;
        this.duplicates.add(entry);
        this.setState(entry, { state: 'error', file, duplicate: true, message: duplicateMessage(id, file, existing) });
        continue;
      }
      const entry = this.newEntry(id, false);
      entry.file = file;
      this.byId.set(id, entry);
      this.batch.add(entry);
      this.setState(entry, { state: 'queued', file });
    }
    this.refresh();
    this.pump();
  }

  private newEntry(id: string, duplicate: boolean): Entry {
    const entry: Entry = { id, state: 'queued', duplicate, row: undefined as unknown as ImageRow };
    entry.row = new ImageRow(id, {
      preview: () => entry.stored && this.deps.preview(entry.stored),
      edit: () => void this.edit(entry),
      remove: () => void this.remove(entry),
      cancel: () => this.cancel(entry),
      retry: () => this.retry(entry),
      replace: () => void this.replace(entry),
    });
    this.els.list.append(entry.row.el);
    return entry;
  }

  private setState(entry: Entry, view: RowView): void {
    entry.state = view.state;
    entry.row.show(view);
    this.refresh();
  }

  /** Images waiting or being tiled. */
  busy(): boolean {
    return [...this.byId.values()].some((e) => e.state === 'queued' || e.state === 'tiling');
  }

  private pump(): void {
    while (this.running < PARALLEL_IMAGES && !this.paused) {
      const next = [...this.byId.values()].find((e) => e.state === 'queued' && e.file);
      if (!next) return;
      this.running++;
      next.running = this.tile(next).finally(() => {
        this.running--;
        next.running = undefined;
        this.pump();
      });
    }
  }

  private async tile(entry: Entry): Promise<void> {
    const file = entry.file!;
    const abort = new AbortController();
    entry.abort = abort;
    this.setState(entry, { state: 'tiling', file, checking: true });
    try {
      const tiler = this.deps.tiler();
      const options = this.deps.options();
      const problem = await tiler.preflight(file, options);
      abort.signal.throwIfAborted();
      if (problem) {
        this.setState(entry, { state: 'error', file, message: problem });
        return;
      }
      const metadata = this.deps.metadataFor(entry.id, file.name) ?? {};
      this.setState(entry, { state: 'tiling', file, checking: false });
      const started = performance.now();
      const image = await tiler.tile(
        { file, id: entry.id, options, metadata },
        (p) => entry.row.progress(p, performance.now() - started),
        abort.signal,
      );
      entry.stored = image;
      entry.file = undefined;
      this.setState(entry, { state: 'done', image });
      this.deps.tiled(image);
      this.deps.changed();
    } catch (err) {
      const message = abort.signal.aborted ? 'Cancelled.' : errorMessage(err);
      // An entry removed while it was tiling has no row to show the error in.
      if (this.byId.get(entry.id) === entry) this.setState(entry, { state: 'error', file, message });
    } finally {
      entry.abort = undefined;
    }
  }

  private cancel(entry: Entry): void {
    if (entry.state === 'tiling') {
      entry.abort?.abort();
    } else if (entry.state === 'queued') {
      this.setState(entry, { state: 'error', file: entry.file, message: 'Cancelled before it started.' });
    }
  }

  private retry(entry: Entry): void {
    if (entry.state !== 'error' || !entry.file) return;
    if (!this.busy()) this.batch = new Set();
    this.batch.add(entry);
    this.setState(entry, { state: 'queued', file: entry.file });
    this.pump();
  }

  /** Remove a row: delete a stored image (after asking), drop a failed or duplicate one. */
  private async remove(entry: Entry): Promise<void> {
    if (entry.state === 'done' && entry.stored) {
      const ok = await this.deps.confirm(
        `Delete “${entry.stored.metadata.label?.trim() || entry.id}”?`,
        'Its tiles, info.json and manifest are removed from this browser. Files you already exported are not affected.',
        'Delete',
      );
      if (!ok) return;
      await deleteImage(entry.id);
      this.deps.changed();
    }
    this.forget(entry);
  }

  private forget(entry: Entry): void {
    entry.abort?.abort();
    entry.row.dispose();
    this.batch.delete(entry);
    if (entry.duplicate) this.duplicates.delete(entry);
    else if (this.byId.get(entry.id) === entry) this.byId.delete(entry.id);
    this.refresh();
  }

  /** A duplicate takes the place of the image listed under its id. */
  private async replace(dup: Entry): Promise<void> {
    const existing = this.byId.get(dup.id);
    if (existing && existing.state === 'done') {
      const ok = await this.deps.confirm(
        `Replace “${dup.id}”?`,
        `The stored tiles of “${dup.id}” (from ${existing.stored?.sourceName ?? 'an earlier file'}) are deleted and ${dup.file?.name ?? 'the new file'} is tiled in their place.`,
        'Replace',
      );
      if (!ok) return;
    }
    if (existing) {
      existing.abort?.abort();
      await existing.running;
      if (existing.state === 'done') {
        await deleteImage(existing.id);
        this.deps.changed();
      }
      this.forget(existing);
    }
    // Another duplicate may have been promoted meanwhile; then this one stays a duplicate.
    if (this.byId.has(dup.id) || !dup.file) return;
    this.duplicates.delete(dup);
    dup.duplicate = false;
    this.byId.set(dup.id, dup);
    if (!this.busy()) this.batch = new Set();
    this.batch.add(dup);
    this.setState(dup, { state: 'queued', file: dup.file });
    // Other refused files with this id now refer to the new file.
    for (const other of this.duplicates) {
      if (other.id === dup.id && other.file) this.setState(other, { state: 'error', file: other.file, duplicate: true, message: duplicateMessage(dup.id, other.file, dup) });
    }
    this.pump();
  }

  private async edit(entry: Entry): Promise<void> {
    if (!entry.stored) return;
    const saved = await this.deps.edit(entry.stored);
    if (saved) this.updateStored(saved);
  }

  private async removeAll(): Promise<void> {
    const entries = [...this.byId.values(), ...this.duplicates];
    if (entries.length === 0) return;
    const stored = this.storedImages().length;
    const ok = await this.deps.confirm(
      'Delete all images?',
      `${plural(stored, 'stored image')} and their tiles are removed from this browser, and the queue is cleared. Files you already exported are not affected.`,
      'Delete all',
    );
    if (!ok) return;
    this.paused = true;
    try {
      for (const e of entries) e.abort?.abort();
      // Let running tiles settle first, so none is stored after the store was emptied.
      await Promise.all(entries.map((e) => e.running));
      await deleteAll();
      for (const e of [...this.byId.values(), ...this.duplicates]) this.forget(e);
    } finally {
      this.paused = false;
      this.deps.changed();
      this.pump();
    }
  }

  /** Counts, the overall bar, the empty state and which list-wide buttons make sense. */
  private refresh(): void {
    const all = [...this.byId.values()];
    const stored = all.filter((e) => e.state === 'done').length;
    const rows = all.length + this.duplicates.size;
    this.els.empty.hidden = rows > 0;
    this.els.count.textContent = stored === 0 ? 'none stored yet' : `${plural(stored, 'image')} stored`;
    this.els.deleteAll.disabled = rows === 0;
    this.els.exportZip.disabled = stored === 0;

    const batch = [...this.batch];
    const done = batch.filter((e) => e.state === 'done').length;
    const failed = batch.filter((e) => e.state === 'error').length;
    const active = batch.filter((e) => e.state === 'queued' || e.state === 'tiling').length;
    this.els.overall.hidden = batch.length === 0;
    this.els.overall.dataset.active = String(active > 0);
    this.els.overallBar.max = Math.max(1, batch.length);
    this.els.overallBar.value = done + failed;
    const parts = [`${done} of ${plural(batch.length, 'image')} tiled`];
    if (failed > 0) parts.push(`${failed} failed`);
    if (active > 0) parts.push(`${active} to go`);
    else parts.push('finished');
    this.els.overallText.textContent = parts.join(' · ');
  }
}

function duplicateMessage(id: string, file: File, existing: Entry): string {
  const where = existing.state === 'done' ? 'is already stored' : existing.state === 'error' ? 'is already listed' : 'is already in the queue';
  const from = existing.stored?.sourceName ?? existing.file?.name;
  return (
    `Not added: ${file.name} would get the id “${id}”, which ${where}${from && from !== file.name ? ` (from ${from})` : ''}. ` +
    'Each image needs its own id, as with `agent tile`: rename the file, or replace the existing image.'
  );
}
