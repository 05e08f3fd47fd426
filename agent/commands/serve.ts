// `agent serve`: a small static server for an output folder, as a IIIF level-0 host would
// serve it (CORS, IIIF content types), plus a page that opens each image in OpenSeadragon.
// Routes: /iiif/... the folder, /_osd/... OpenSeadragon from node_modules, / the page.

import { createReadStream, existsSync, realpathSync, statSync, type Stats } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { IMAGE_CONTEXT, infoContentType } from '../../shared/iiif/info.ts';
import { PRESENTATION_CONTENT_TYPE } from '../../shared/iiif/manifest.ts';
import { listImages, renderIndexPage } from './serve-page.ts';

export interface ServeOptions {
  /** 0 picks a free port. */
  port: number;
  host: string;
}

export interface ServeHandle {
  /** The page's URL, with a trailing slash; IIIF is under `${url}iiif/`. */
  url: string;
  port: number;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.svg': 'image/svg+xml',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.html': 'text/html; charset=utf-8',
};

// JSON may change when an image is retiled: revalidate it. Tiles change only on a forced retile.
const CACHE_JSON = 'no-cache';
const CACHE_TILE = 'public, max-age=3600';
const CACHE_ASSET = 'public, max-age=86400';

const VIEWER_SCRIPT = fileURLToPath(new URL('./serve-viewer.js', import.meta.url));

/** OpenSeadragon's build folder (openseadragon.min.js, images/), from node_modules. */
function openSeadragonDir(): string {
  const main = createRequire(import.meta.url).resolve('openseadragon');
  return dirname(main);
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function setCommonHeaders(res: ServerResponse): void {
  res.setHeader('Access-Control-Allow-Origin', '*');
  // Lets cross-origin-isolated pages (the web app, under COEP) load tiles from here.
  res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
  res.setHeader('X-Content-Type-Options', 'nosniff');
}

function sendText(req: IncomingMessage, res: ServerResponse, status: number, text: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(req.method === 'HEAD' ? undefined : text);
}

/**
 * The file that URL path segments name inside root, or an HttpError 404. Refuses anything that
 * could leave root or reach hidden files: `..`, encoded slashes, dot-names, symlinks pointing out.
 */
async function fileInside(root: string, rawSegments: string[]): Promise<{ file: string; stats: Stats }> {
  const notFound = new HttpError(404, 'Not found');
  const segments = rawSegments.map((raw) => {
    let s: string;
    try {
      s = decodeURIComponent(raw);
    } catch {
      throw notFound;
    }
    if (s === '' || s.startsWith('.') || /[/\\\0]/.test(s)) throw notFound;
    return s;
  });
  if (segments.length === 0) throw notFound;
  const file = join(root, ...segments);
  try {
    const real = await realpath(file);
    const inside = relative(root, real);
    if (!real.startsWith(root + sep) || inside.split(sep).some((s) => s.startsWith('.'))) throw notFound;
    const stats = await stat(real);
    if (!stats.isFile()) throw notFound;
    return { file: real, stats };
  } catch {
    throw notFound;
  }
}

/** info.json is typed by the Image API version it declares. */
async function infoJsonType(file: string): Promise<string> {
  try {
    const context = (JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>)['@context'];
    const contexts = Array.isArray(context) ? context : [context];
    return infoContentType(contexts.includes(IMAGE_CONTEXT[2]) ? 2 : 3);
  } catch {
    return infoContentType(3);
  }
}

async function contentTypeOf(file: string): Promise<string> {
  const name = basename(file);
  if (name === 'info.json') return infoJsonType(file);
  if (name === 'manifest.json' || name === 'collection.json') return PRESENTATION_CONTENT_TYPE;
  return CONTENT_TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream';
}

async function sendFile(req: IncomingMessage, res: ServerResponse, file: string, stats: Stats, cacheControl: string): Promise<void> {
  const etag = `W/"${stats.size.toString(16)}-${Math.round(stats.mtimeMs).toString(16)}"`;
  res.setHeader('Content-Type', await contentTypeOf(file));
  res.setHeader('Cache-Control', cacheControl);
  res.setHeader('ETag', etag);
  res.setHeader('Last-Modified', stats.mtime.toUTCString());
  if (req.headers['if-none-match'] === etag) {
    res.statusCode = 304;
    res.end();
    return;
  }
  res.setHeader('Content-Length', stats.size);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await pipeline(createReadStream(file), res);
}

function sendPage(req: IncomingMessage, res: ServerResponse, root: string): void {
  const html = renderIndexPage(basename(root), listImages(root));
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'no-cache');
  // Defence in depth on top of escaping: only this server's scripts run on the page.
  res.setHeader(
    'Content-Security-Policy',
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  );
  res.setHeader('Content-Length', Buffer.byteLength(html));
  res.end(req.method === 'HEAD' ? undefined : html);
}

async function handle(req: IncomingMessage, res: ServerResponse, root: string, osdDir: string): Promise<void> {
  setCommonHeaders(res);
  if (req.method === 'OPTIONS') {
    // CORS preflight: any origin may GET or HEAD anything here.
    res.statusCode = 204;
    res.setHeader('Access-Control-Allow-Methods', 'GET, HEAD, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', req.headers['access-control-request-headers'] ?? '*');
    res.setHeader('Access-Control-Max-Age', '86400');
    res.end();
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD, OPTIONS');
    sendText(req, res, 405, 'Method not allowed');
    return;
  }
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const [, area = '', ...rest] = path.split('/');
  try {
    if (path === '/' || path === '/index.html') sendPage(req, res, root);
    else if (area === 'iiif') {
      const { file, stats } = await fileInside(root, rest);
      await sendFile(req, res, file, stats, file.endsWith('.json') ? CACHE_JSON : CACHE_TILE);
    } else if (area === '_osd') {
      const { file, stats } = await fileInside(osdDir, rest);
      await sendFile(req, res, file, stats, CACHE_ASSET);
    } else if (path === '/_tessella/viewer.js') await sendFile(req, res, VIEWER_SCRIPT, statSync(VIEWER_SCRIPT), CACHE_JSON);
    else throw new HttpError(404, 'Not found');
  } catch (err) {
    if (res.headersSent) {
      res.destroy(); // Failed mid-stream (file removed, client gone): nothing else to do.
      return;
    }
    res.removeHeader('ETag');
    res.removeHeader('Last-Modified');
    if (err instanceof HttpError) sendText(req, res, err.status, err.message);
    else sendText(req, res, 500, `Server error: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** How to reach a listening address from this machine. */
function urlFor(host: string, port: number): string {
  const h = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${h.includes(':') ? `[${h}]` : h}:${port}/`;
}

/** Serve an output folder of `agent tile` until close() is called. */
export async function serve(dir: string, opts: ServeOptions): Promise<ServeHandle> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`${dir}: no such folder (make one with: npx agent tile IMAGES --out ${dir})`);
  const root = realpathSync(resolve(dir));
  const osdDir = realpathSync(openSeadragonDir());

  const server: Server = createServer((req, res) => {
    handle(req, res, root, osdDir).catch(() => res.destroy());
  });
  await new Promise<void>((done, fail) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      fail(err.code === 'EADDRINUSE' ? new Error(`port ${opts.port} on ${opts.host} is in use: choose another with --port`) : err);
    });
    server.listen(opts.port, opts.host, () => done());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: urlFor(opts.host, port),
    port,
    close: () =>
      new Promise<void>((done, fail) => {
        server.close((err) => (err ? fail(err) : done()));
        server.closeAllConnections();
      }),
  };
}
