// Preview of a stored image in OpenSeadragon, before anything is uploaded: OpenSeadragon's own
// IIIFTileSource builds the tile URLs from the image's info.json (so levels and paths are exactly
// what a viewer will ask a server for), but under a virtual prefix, and every tile is read from
// the image's pack in local storage instead of the network.

import OpenSeadragon from 'openseadragon';
import { readFile as readStoredFile } from '../storage/store.ts';
import type { StoredImage } from '../storage/types.ts';

/** Tile URLs of a preview start with this, then the image id; nothing ever fetches them. */
export const LOCAL_PREFIX = 'tessella-local://';

export type ReadFile = (image: StoredImage, path: string) => Promise<Blob | undefined>;

export interface PreviewHandle {
  readonly viewer: OpenSeadragon.Viewer;
  /** Tiles read from local storage and decoded. */
  readonly tilesLoaded: number;
  /** Tiles OpenSeadragon could not get (missing from the pack, undecodable, timed out). */
  readonly tilesFailed: number;
  /** The last failure, for messages and tests. */
  readonly lastFailure: string | undefined;
  close(): void;
}

/** The path inside the image's pack that a virtual tile URL names, or undefined for any other URL. */
export function packPathOf(url: string, image: StoredImage): string | undefined {
  const prefix = `${LOCAL_PREFIX}${image.id}/`;
  return url.startsWith(prefix) ? url.slice(prefix.length) : undefined;
}

/** info.json with its service id replaced by the virtual prefix (`id` in v3, `@id` in v2). */
export function localInfo(info: Record<string, unknown>, image: StoredImage): Record<string, unknown> {
  const local = { ...info };
  const key = '@id' in local ? '@id' : 'id';
  local[key] = `${LOCAL_PREFIX}${image.id}`;
  return local;
}

interface JobState {
  aborted?: boolean;
}

/** OpenSeadragon's own IIIFTileSource for the image's info.json, under the virtual prefix. */
async function localTileSource(image: StoredImage, readFile: ReadFile): Promise<OpenSeadragon.IIIFTileSource> {
  const infoBlob = await readFile(image, 'info.json');
  if (!infoBlob) throw new Error(`${image.id}: info.json is not in local storage`);
  const info = localInfo(JSON.parse(await infoBlob.text()) as Record<string, unknown>, image);
  const infoUrl = `${LOCAL_PREFIX}${image.id}/info.json`;
  const proto = OpenSeadragon.IIIFTileSource.prototype;
  if (!proto.supports(info, infoUrl)) throw new Error(`${image.id}: OpenSeadragon does not take its info.json as IIIF`);
  return new OpenSeadragon.IIIFTileSource(proto.configure(info, infoUrl) as ConstructorParameters<typeof OpenSeadragon.IIIFTileSource>[0]);
}

export async function openPreview(
  container: HTMLElement,
  image: StoredImage,
  deps: { readFile?: ReadFile } = {},
): Promise<PreviewHandle> {
  const readFile = deps.readFile ?? readStoredFile;
  const counts = { loaded: 0, failed: 0, lastFailure: undefined as string | undefined };
  let closed = false;
  const show = (): void => {
    container.dataset.tilesLoaded = String(counts.loaded);
    container.dataset.tilesFailed = String(counts.failed);
  };
  container.dataset.state = 'loading';
  show();

  let source: OpenSeadragon.IIIFTileSource;
  try {
    source = await localTileSource(image, readFile);
  } catch (err) {
    container.dataset.state = 'error';
    container.dataset.lastFailure = err instanceof Error ? err.message : String(err);
    throw err;
  }

  // OpenSeadragon 6 asks the tile source to download each tile (ImageJob): read it from the pack,
  // decode it, and finish the job; a missing or undecodable file fails it.
  source.downloadTileStart = (job: OpenSeadragon.ImageJob): void => {
    const state = job.userData as JobState;
    const path = packPathOf(job.src, image);
    const load = async (): Promise<ImageBitmap> => {
      if (path === undefined) throw new Error(`not a local tile URL: ${job.src}`);
      const blob = await readFile(image, path);
      if (!blob) throw new Error(`not in local storage: ${image.id}/${path}`);
      return createImageBitmap(blob);
    };
    load().then(
      (bitmap) => {
        if (state.aborted || closed) {
          bitmap.close();
          return;
        }
        counts.loaded++;
        show();
        job.finish(bitmap, null, 'imageBitmap');
      },
      (err: unknown) => {
        // ImageJob.abort() fails the job itself; failing it again would run its callback twice.
        if (!state.aborted && !closed) job.fail(err instanceof Error ? err.message : String(err), null);
      },
    );
  };
  source.downloadTileAbort = (job: OpenSeadragon.ImageJob): void => {
    (job.userData as JobState).aborted = true;
  };

  const viewer = OpenSeadragon({
    element: container,
    drawer: preferredDrawer(),
    // A TileSource instance is a valid tileSources value; the bundled typings only list specifiers.
    tileSources: source as unknown as OpenSeadragon.TileSourceOptions,
    // Its buttons would load images from prefixUrl: the preview makes no request at all.
    showNavigationControl: false,
    // Virtual URLs cannot be fetched again, so a retry could only fail the same way.
    tileRetryMax: 0,
  });
  // Every failure, ours or OpenSeadragon's (timeouts included), arrives here once.
  viewer.addHandler('tile-load-failed', (e) => {
    counts.failed++;
    counts.lastFailure = e.message;
    container.dataset.lastFailure = e.message;
    show();
  });
  viewer.addHandler('fully-loaded-change', (e) => {
    container.dataset.state = e.fullyLoaded ? 'loaded' : 'loading';
  });
  viewer.addHandler('open-failed', (e) => {
    container.dataset.state = 'error';
    container.dataset.lastFailure = String(e.message);
  });

  return {
    viewer,
    get tilesLoaded() {
      return counts.loaded;
    },
    get tilesFailed() {
      return counts.failed;
    },
    get lastFailure() {
      return counts.lastFailure;
    },
    close() {
      if (closed) return;
      closed = true;
      viewer.destroy();
      container.dataset.state = 'closed';
    },
  };
}

/**
 * OpenSeadragon's WebGL drawer is the fast one on a GPU, but with WebGL rendered in software
 * (no GPU, as on many servers and virtual desktops) it draws a few frames a second; the canvas
 * drawer is then about five times faster to a loaded preview.
 */
function preferredDrawer(): 'webgl' | 'canvas' {
  try {
    const gl = document.createElement('canvas').getContext('webgl');
    if (!gl) return 'canvas';
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return /swiftshader|llvmpipe|software|softpipe/i.test(renderer) ? 'canvas' : 'webgl';
  } catch {
    return 'canvas';
  }
}
