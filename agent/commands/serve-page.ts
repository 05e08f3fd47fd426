// The index page of `agent serve`: the images of an output folder, each opening in
// OpenSeadragon (agent/commands/serve-viewer.js) with tiles from this server.

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type IiifVersion, type ImageSize, sizePath } from '../../shared/iiif/geometry.ts';
import { STAMP_FILE } from '../../shared/sink.ts';

export interface ServedImage {
  id: string;
  label: string;
  width: number;
  height: number;
  version: IiifVersion;
  /** Path of a small whole-image file, relative to the image's folder. */
  thumbnail?: string;
  thumbnailSize?: ImageSize;
}

const THUMBNAIL_WIDTH = 96;

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

/** The first text of a IIIF language map ({"none": ["..."]}), if any. */
function firstText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null) return undefined;
  for (const texts of Object.values(value)) if (Array.isArray(texts) && typeof texts[0] === 'string') return texts[0];
  return undefined;
}

function readImage(dir: string, id: string): ServedImage | undefined {
  const folder = join(dir, id);
  if (!existsSync(join(folder, STAMP_FILE)) || !existsSync(join(folder, 'info.json'))) return undefined;
  try {
    const info = readJson(join(folder, 'info.json'));
    const stamp = readJson(join(folder, STAMP_FILE)) as { options?: { format?: string } };
    const version: IiifVersion = String(info['@context']).includes('/image/2/') ? 2 : 3;
    let label = id;
    try {
      label = firstText(readJson(join(folder, 'manifest.json')).label) ?? id;
    } catch {
      // No manifest: the id will do as label.
    }
    const sizes = (Array.isArray(info.sizes) ? info.sizes : []) as ImageSize[];
    // The smallest listed size still sharp at twice the thumbnail width, else the largest.
    const thumbnailSize = sizes.find((s) => s.width >= 2 * THUMBNAIL_WIDTH) ?? sizes[sizes.length - 1];
    const format = stamp.options?.format ?? 'jpg';
    return {
      id,
      label,
      width: Number(info.width),
      height: Number(info.height),
      version,
      thumbnail: thumbnailSize ? sizePath(version, thumbnailSize, format) : undefined,
      thumbnailSize,
    };
  } catch {
    return undefined;
  }
}

/** Complete images of an output folder (a folder with info.json and a stamp), by id. */
export function listImages(dir: string): ServedImage[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => readImage(dir, e.name))
    .filter((img): img is ServedImage => img !== undefined)
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** Text for HTML content and attribute values: nothing in it can become markup. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const imageUrl = (id: string, path: string): string => `iiif/${encodeURIComponent(id)}/${path}`;

function imageItem(img: ServedImage): string {
  const id = escapeHtml(img.id);
  const thumb =
    img.thumbnail && img.thumbnailSize
      ? `<img src="${escapeHtml(imageUrl(img.id, img.thumbnail))}" alt="" loading="lazy" width="${THUMBNAIL_WIDTH}" height="${Math.round((THUMBNAIL_WIDTH * img.thumbnailSize.height) / img.thumbnailSize.width)}">`
      : '<span class="no-thumb"></span>';
  const megapixels = ((img.width * img.height) / 1e6).toFixed(1);
  return `
      <li>
        <a class="image" href="#${escapeHtml(encodeURIComponent(img.id))}" data-testid="image-link" data-id="${id}">
          ${thumb}
          <span class="text">
            <span class="label">${escapeHtml(img.label)}</span>
            <span class="meta">${img.width} × ${img.height} px · ${megapixels} Mpx · IIIF ${img.version}</span>
            <span class="meta id">${id}</span>
          </span>
        </a>
        <span class="files"><a href="${escapeHtml(imageUrl(img.id, 'info.json'))}">info.json</a> · <a href="${escapeHtml(imageUrl(img.id, 'manifest.json'))}">manifest.json</a></span>
      </li>`;
}

const STYLE = `
  * { box-sizing: border-box; }
  html, body { margin: 0; height: 100%; }
  body { font: 15px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2330; background: #f5f6f8;
    display: flex; flex-direction: column; }
  header { padding: 12px 20px; background: #fff; border-bottom: 1px solid #dde1e7; display: flex; align-items: baseline; gap: 16px; flex-wrap: wrap; }
  header h1 { font-size: 18px; margin: 0; }
  header p { margin: 0; color: #5a6375; }
  a { color: #2457c5; }
  code { font-size: 13px; background: #eef0f4; padding: 1px 4px; border-radius: 3px; }
  main { flex: 1; display: flex; min-height: 0; }
  nav { width: 360px; overflow-y: auto; border-right: 1px solid #dde1e7; background: #fff; }
  nav ul { list-style: none; margin: 0; padding: 8px; }
  nav li { padding: 6px; border-radius: 8px; }
  nav li:has(.image.active) { background: #e8effd; }
  .image { display: flex; gap: 12px; align-items: center; text-decoration: none; color: inherit; }
  .image img, .no-thumb { flex: none; width: ${THUMBNAIL_WIDTH}px; height: auto; max-height: 96px; object-fit: contain; border-radius: 4px; background: #e4e7ec; }
  .no-thumb { height: 64px; }
  .text { display: flex; flex-direction: column; min-width: 0; }
  .label { font-weight: 600; overflow-wrap: anywhere; }
  .image:hover .label { text-decoration: underline; }
  .meta { font-size: 13px; color: #5a6375; }
  .id { font-family: ui-monospace, monospace; font-size: 12px; overflow-wrap: anywhere; }
  .files { display: block; font-size: 13px; margin: 4px 0 0 ${THUMBNAIL_WIDTH + 12}px; }
  .empty { padding: 16px; color: #5a6375; }
  section { flex: 1; display: flex; flex-direction: column; min-width: 0; }
  #viewer { flex: 1; background: #181b20; }
  #caption { margin: 0; padding: 8px 16px; background: #fff; border-top: 1px solid #dde1e7; color: #5a6375; min-height: 38px; }
  @media (max-width: 720px) { main { flex-direction: column; } nav { width: auto; max-height: 40vh; border-right: 0; } #viewer { min-height: 60vh; } }
`;

/** The whole page. Every piece of text from the folder goes through escapeHtml. */
export function renderIndexPage(folderName: string, images: ServedImage[]): string {
  const list =
    images.length > 0
      ? `<ul>${images.map(imageItem).join('')}\n    </ul>`
      : `<p class="empty">No tiled images here yet. Make some with <code>npx agent tile IMAGES --out FOLDER</code>.</p>`;
  const count = `${images.length} image${images.length === 1 ? '' : 's'}`;
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Tessella · ${escapeHtml(folderName)}</title>
  <link rel="icon" href="data:,">
  <style>${STYLE}</style>
</head>
<body>
  <header>
    <h1>Tessella</h1>
    <p>${count} in <code>${escapeHtml(folderName)}</code>, served as IIIF at <code>/iiif/</code> · <a href="iiif/collection.json">collection.json</a></p>
  </header>
  <main>
    <nav aria-label="Images">
    ${list}
    </nav>
    <section>
      <div id="viewer" data-testid="viewer" aria-label="Image viewer"></div>
      <p id="caption" aria-live="polite">${images.length > 0 ? 'Choose an image to open it.' : ''}</p>
    </section>
  </main>
  <script src="_osd/openseadragon.min.js"></script>
  <script src="_tessella/viewer.js"></script>
</body>
</html>
`;
}
