// Export stored images as one ZIP, streamed: client-zip pulls the entries one at a time (each tile
// read lazily from its pack), so memory stays bounded whatever the size of the export. Written to
// disk through the File System Access API where the browser has it, else downloaded as a Blob.

import { downloadZip } from 'client-zip';
import { getManifest, readFile } from '../storage/store.ts';
import type { StoredImage } from '../storage/types.ts';
import { type ZipEntriesOptions, zipEntries } from './entries.ts';

export interface ExportZipOptions {
  /** Base URL of collection.json (where the export will be published). */
  baseUrl: string;
  suggestedName?: string;
  label?: string;
  /** See ZipEntriesOptions.rebase. */
  rebase?: boolean;
  /** Store functions, replaceable for tests. */
  readFile?: ZipEntriesOptions['readFile'];
  getManifest?: ZipEntriesOptions['getManifest'];
}

export const DEFAULT_ZIP_NAME = 'tessella-export.zip';

/** Passes the entries through, reporting the first error (a consumer may only see a generic one). */
async function* reportingErrors<T>(entries: AsyncIterable<T>, onError: (err: unknown) => void): AsyncGenerator<T> {
  try {
    yield* entries;
  } catch (err) {
    onError(err);
    throw err;
  }
}

/** The ZIP as a stream, pulled entry by entry. `onError` hears why it failed, if it does. */
export function zipStream(images: StoredImage[], opts: ExportZipOptions, onError: (err: unknown) => void = () => undefined): ReadableStream<Uint8Array> {
  const entries = zipEntries(images, {
    baseUrl: opts.baseUrl,
    label: opts.label,
    rebase: opts.rebase,
    readFile: opts.readFile ?? readFile,
    getManifest: opts.getManifest ?? getManifest,
  });
  const body = downloadZip(reportingErrors(entries, onError)).body;
  if (!body) throw new Error('the ZIP stream could not be created');
  return body;
}

// The File System Access API is not in TypeScript's DOM library yet.
interface SaveFilePickerOptions {
  suggestedName?: string;
  types?: Array<{ description?: string; accept: Record<string, string[]> }>;
}
type ShowSaveFilePicker = (options?: SaveFilePickerOptions) => Promise<FileSystemFileHandle>;
interface WritableFileHandle {
  createWritable(): Promise<WritableStream<Uint8Array>>;
}

/**
 * Where to write: a file the user picked, 'cancelled', or undefined to download instead (no API,
 * no user gesture left, or a browser driven by automation, which cannot answer the dialog).
 * Called before any other await, while the click's user activation is fresh.
 */
async function pickFile(name: string): Promise<WritableFileHandle | 'cancelled' | undefined> {
  const picker = (globalThis as { showSaveFilePicker?: ShowSaveFilePicker }).showSaveFilePicker;
  if (typeof picker !== 'function' || navigator.webdriver) return undefined;
  try {
    const handle = await picker({ suggestedName: name, types: [{ description: 'ZIP archive', accept: { 'application/zip': ['.zip'] } }] });
    return handle as unknown as WritableFileHandle;
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') return 'cancelled';
    return undefined;
  }
}

function downloadBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  // Revoking at once can cancel the download before the browser has started reading the Blob.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** 'saved' to the file the user picked, 'downloaded' as a browser download, or 'cancelled' in the dialog. */
export type ExportResult = 'saved' | 'downloaded' | 'cancelled';

/**
 * Save the whole output as a ZIP. Resolves once written (or the save dialog was cancelled);
 * rejects with a readable message when a file is missing or damaged in local storage.
 */
export async function exportZip(images: StoredImage[], opts: ExportZipOptions): Promise<ExportResult> {
  if (images.length === 0) throw new Error('nothing to export: no images are stored');
  const name = opts.suggestedName ?? DEFAULT_ZIP_NAME;
  const target = await pickFile(name);
  if (target === 'cancelled') return 'cancelled';
  let failure: { error: unknown } | undefined;
  const stream = zipStream(images, opts, (error) => {
    failure ??= { error };
  });
  try {
    if (target) {
      // pipeTo closes the file at the end, or aborts it on error (the browser then discards it).
      await stream.pipeTo(await target.createWritable());
      return 'saved';
    }
    // Response.blob() lets the browser keep a large Blob on disk rather than in this page's memory.
    downloadBlob(await new Response(stream).blob(), name);
    return 'downloaded';
  } catch (err) {
    // Response.blob() reports any stream error as "Failed to fetch": give the real reason.
    throw failure ? failure.error : err;
  }
}
