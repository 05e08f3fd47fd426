// Tessella in the browser: wires the page together. Each panel lives in web/ui/; the tiling
// engine (web/tiler), the store (web/storage), the preview and the ZIP export are used through
// their small main-thread APIs.

import { exportZip } from './export/zip.ts';
import { mountUploadPanel } from './publish/panel.ts';
import { listImages } from './storage/store.ts';
import type { StoredImage } from './storage/types.ts';
import { BrowserTiler } from './tiler/tiler.ts';
import { confirmDialog } from './ui/confirm.ts';
import { byId, errorMessage } from './ui/dom.ts';
import { plural } from './ui/format.ts';
import { ImageList } from './ui/image-list.ts';
import { setupIntake } from './ui/intake.ts';
import { editManifest } from './ui/manifest-editor.ts';
import { MetadataImport } from './ui/metadata-import.ts';
import { showPreview } from './ui/preview-dialog.ts';
import { SettingsPanel } from './ui/settings.ts';
import { StoragePanel } from './ui/storage-panel.ts';

/** Started on first use: its workers load wasm-vips, which need not happen for a page that only previews. */
let tiler: BrowserTiler | undefined;
const getTiler = (): BrowserTiler => (tiler ??= new BrowserTiler());

function notice(text: string): void {
  const box = byId('notice');
  box.textContent = text;
  box.hidden = false;
}

/** What this browser lacks for tiling, said once at the top rather than on every image. */
function checkEnvironment(): void {
  if (!window.crossOriginIsolated) {
    notice('This page is not cross-origin isolated (COOP/COEP headers), so the image library cannot run its threads here. Serve it with `npm start` or from a server that sends those headers.');
  } else if (!navigator.storage?.getDirectory) {
    notice('This browser has no origin private file system, where tiles are kept. Use a current Chrome, Edge, Firefox or Safari.');
  }
}

const settings = new SettingsPanel({
  form: byId<HTMLFormElement>('settings-form'),
  error: byId('settings-error'),
  status: byId('settings-status'),
  reset: byId<HTMLButtonElement>('settings-reset'),
});

const storage = new StoragePanel({
  bar: byId<HTMLProgressElement>('storage-bar'),
  usage: byId('storage-usage'),
  persistence: byId('storage-persistence'),
});

const exportButton = byId<HTMLButtonElement>('export-zip');

// The list needs the metadata file for images it tiles; the metadata file needs the list's images.
let metadataImport: MetadataImport | undefined;

const images = new ImageList(
  {
    list: byId<HTMLOListElement>('image-list'),
    empty: byId('empty'),
    overall: byId('overall'),
    overallText: byId('overall-text'),
    overallBar: byId<HTMLProgressElement>('overall-bar'),
    count: byId('image-count'),
    deleteAll: byId<HTMLButtonElement>('delete-all'),
    exportZip: exportButton,
  },
  {
    tiler: getTiler,
    options: () => settings.current,
    metadataFor: (id, fileName) => metadataImport?.metadataFor(id, fileName),
    preview: showPreview,
    edit: editManifest,
    confirm: confirmDialog,
    changed: () => {
      void storage.refresh();
      updateExportOptions();
    },
    tiled: () => void storage.askForPersistence(),
  },
);

metadataImport = new MetadataImport(
  {
    input: byId<HTMLInputElement>('metadata-input'),
    choose: byId<HTMLButtonElement>('metadata-choose'),
    forget: byId<HTMLButtonElement>('metadata-forget'),
    status: byId('metadata-status'),
  },
  {
    storedImages: () => images.storedImages(),
    applied: (image) => images.updateStored(image),
  },
);

/** Files added before the stored images are listed wait, so a duplicate id is always noticed. */
const ready = Promise.all([settings.load(), images.load(), storage.refresh()]);

setupIntake(
  {
    dropZone: byId('drop-zone'),
    fileInput: byId<HTMLInputElement>('file-input'),
    folderInput: byId<HTMLInputElement>('folder-input'),
    pickFiles: byId<HTMLButtonElement>('pick-files'),
    pickFolder: byId<HTMLButtonElement>('pick-folder'),
    sample: byId<HTMLButtonElement>('sample'),
    status: byId('intake-status'),
  },
  {
    onFiles: (files) => void ready.then(() => images.add(files)),
    onSample: async () => {
      const file = await getTiler().makeSample();
      await ready;
      images.add([file]);
    },
  },
);

const rebaseBox = byId('export-options');
const rebaseInput = byId<HTMLInputElement>('export-rebase');
const rebaseText = byId('export-rebase-text');

/** Images tiled under another base URL than the current setting (settings never retile). */
function otherBaseUrl(list: StoredImage[]): StoredImage[] {
  return list.filter((i) => i.options.baseUrl !== settings.current.baseUrl);
}

/** Offer to write the current base URL into the export when some images were tiled under another one. */
function updateExportOptions(): void {
  const others = otherBaseUrl(images.storedImages());
  rebaseBox.hidden = others.length === 0;
  rebaseText.textContent =
    `${plural(others.length, 'image was', 'images were')} tiled with another base URL. ` +
    `Write ${settings.current.baseUrl} into their info.json and manifests in the ZIP (tiles are the same either way).`;
}
settings.onChange(updateExportOptions);

exportButton.addEventListener('click', () => {
  const status = byId('export-status');
  const list = images.storedImages();
  if (list.length === 0) return;
  const rebase = !rebaseBox.hidden && rebaseInput.checked;
  // Without rewriting, the collection keeps the images' base URL when they share one.
  const bases = new Set(list.map((i) => i.options.baseUrl));
  const [shared] = bases;
  const baseUrl = rebase || bases.size !== 1 || !shared ? settings.current.baseUrl : shared;
  exportButton.disabled = true;
  exportButton.setAttribute('aria-busy', 'true');
  status.classList.remove('is-error');
  status.textContent = `Preparing a ZIP of ${plural(list.length, 'image')}…`;
  // Called at once, inside the click: the save dialog needs the click's user activation.
  exportZip(list, { baseUrl, rebase })
    .then(() => {
      status.textContent = `ZIP of ${plural(list.length, 'image')} written, for publishing under ${baseUrl}.`;
    })
    .catch((err) => {
      status.textContent = `The ZIP could not be made: ${errorMessage(err)}`;
      status.classList.add('is-error');
    })
    .finally(() => {
      exportButton.removeAttribute('aria-busy');
      exportButton.disabled = images.storedImages().length === 0;
    });
});

// Closing the tab while tiling loses the image being tiled: ask first (not under automation,
// which cannot answer the question and would be stuck on the page).
window.addEventListener('beforeunload', (e) => {
  if (images.busy() && !navigator.webdriver) e.preventDefault();
});
window.addEventListener('pagehide', (e) => {
  if (!e.persisted) tiler?.dispose();
});

checkEnvironment();
ready
  .then(() => {
    updateExportOptions();
    document.body.dataset.ready = 'true';
    // Start the tiling engine now, while the user picks files: loading and warming up libvips
    // in the workers takes seconds that the first image would otherwise wait for.
    if (crossOriginIsolated) {
      void getTiler()
        .ready()
        .then(() => void (document.body.dataset.engine = 'ready'));
    }
  })
  .catch((err) => notice(`Tessella could not open its storage in this browser: ${errorMessage(err)}`));

// Publishing: the same planner and uploader as `agent sync`.
mountUploadPanel(byId('upload'), { listImages, defaultBaseUrl: () => settings.current.baseUrl });
