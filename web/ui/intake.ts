// Getting files in: the file picker, the folder picker, and drag-and-drop of files and folders
// (folders are walked recursively through DataTransferItem.webkitGetAsEntry).

import { errorMessage } from './dom.ts';

/** Extensions taken from a folder; other files there (sidecars, .DS_Store, PDFs) are skipped. */
const IMAGE_EXTENSIONS = /\.(jpe?g|png|webp|tiff?|gif|avif|heic|heif|jp2|jxl|bmp)$/i;

export interface IntakeElements {
  dropZone: HTMLElement;
  fileInput: HTMLInputElement;
  folderInput: HTMLInputElement;
  pickFiles: HTMLButtonElement;
  pickFolder: HTMLButtonElement;
  sample: HTMLButtonElement;
  status: HTMLElement;
}

export interface IntakeHandlers {
  /** Files to queue, in a stable order (folders sorted by path). */
  onFiles(files: File[]): void;
  /** Make and queue the sample image. */
  onSample(): Promise<void>;
}

function isImageName(name: string): boolean {
  return IMAGE_EXTENSIONS.test(name) && !name.startsWith('.');
}

function byPath(a: { path: string }, b: { path: string }): number {
  return a.path.localeCompare(b.path, undefined, { numeric: true, sensitivity: 'base' });
}

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

/** Every entry of a directory: readEntries returns them in batches (100 in Chromium) until empty. */
async function readAll(dir: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = dir.createReader();
  const all: FileSystemEntry[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) return all;
    all.push(...batch);
  }
}

interface Found {
  files: Array<{ path: string; file: File }>;
  skipped: number;
}

async function walk(entry: FileSystemEntry, found: Found, inFolder: boolean): Promise<void> {
  if (entry.isFile) {
    // Files dropped on their own are always tried (the tiler says what it cannot read);
    // inside folders, only image files are taken.
    if (inFolder && !isImageName(entry.name)) {
      found.skipped++;
      return;
    }
    found.files.push({ path: entry.fullPath, file: await fileOf(entry as FileSystemFileEntry) });
  } else if (entry.isDirectory) {
    for (const child of await readAll(entry as FileSystemDirectoryEntry)) await walk(child, found, true);
  }
}

/** Files of a drop, folders included. Entries must be taken synchronously, inside the drop event. */
function entriesOf(dt: DataTransfer): Array<FileSystemEntry | File> {
  const out: Array<FileSystemEntry | File> = [];
  for (const item of Array.from(dt.items)) {
    if (item.kind !== 'file') continue;
    const entry = item.webkitGetAsEntry?.();
    const file = entry ? null : item.getAsFile();
    if (entry) out.push(entry);
    else if (file) out.push(file);
  }
  return out;
}

async function filesOfDrop(items: Array<FileSystemEntry | File>): Promise<Found> {
  const found: Found = { files: [], skipped: 0 };
  for (const item of items) {
    if (item instanceof File) found.files.push({ path: item.name, file: item });
    else await walk(item, found, false);
  }
  found.files.sort(byPath);
  return found;
}

export function setupIntake(els: IntakeElements, handlers: IntakeHandlers): void {
  const say = (text: string): void => {
    els.status.textContent = text;
  };

  const added = (files: File[], skipped: number): void => {
    say(skipped > 0 ? `Skipped ${skipped === 1 ? 'one file that is' : `${skipped} files that are`} not an image.` : '');
    handlers.onFiles(files);
  };

  els.pickFiles.addEventListener('click', () => els.fileInput.click());
  els.pickFolder.addEventListener('click', () => els.folderInput.click());

  els.fileInput.addEventListener('change', () => {
    const files = Array.from(els.fileInput.files ?? []);
    els.fileInput.value = ''; // choosing the same file again must fire `change` again
    if (files.length > 0) added(files, 0);
  });

  els.folderInput.addEventListener('change', () => {
    const all = Array.from(els.folderInput.files ?? []).map((file) => ({ path: file.webkitRelativePath || file.name, file }));
    els.folderInput.value = '';
    const images = all.filter((f) => isImageName(f.file.name)).sort(byPath);
    if (all.length > 0 && images.length === 0) say('That folder has no image files.');
    if (images.length > 0) added(images.map((f) => f.file), all.length - images.length);
  });

  els.sample.addEventListener('click', () => {
    els.sample.disabled = true;
    say('Making the sample image…');
    handlers
      .onSample()
      .then(() => say(''))
      .catch((err) => say(`Could not make the sample image: ${errorMessage(err)}`))
      .finally(() => {
        els.sample.disabled = false;
      });
  });

  // The whole window accepts drops, so a file dropped a little beside the zone is not opened
  // by the browser in place of the app (which would lose the queue).
  let depth = 0;
  const hasFiles = (e: DragEvent): boolean => Array.from(e.dataTransfer?.types ?? []).includes('Files');
  window.addEventListener('dragenter', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth++;
    els.dropZone.classList.add('is-dragging');
  });
  window.addEventListener('dragleave', () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) els.dropZone.classList.remove('is-dragging');
  });
  window.addEventListener('dragover', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
  });
  window.addEventListener('drop', (e) => {
    if (!e.dataTransfer || !hasFiles(e)) return;
    e.preventDefault();
    depth = 0;
    els.dropZone.classList.remove('is-dragging');
    const items = entriesOf(e.dataTransfer);
    say('Reading the dropped files…');
    filesOfDrop(items)
      .then(({ files, skipped }) => {
        say(files.length === 0 ? 'Nothing to add: no image files were dropped.' : '');
        if (files.length > 0) added(files.map((f) => f.file), skipped);
      })
      .catch((err) => say(`Could not read the dropped files: ${errorMessage(err)}`));
  });
}
