// `agent serve` over a real tiled folder: IIIF content types, CORS, 404s, no way out of the
// folder or into hidden files, the index page (escaped labels), OpenSeadragon from node_modules,
// and a real Chromium opening an image from the page. Also the built-in sample image.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServeHandle, serve } from '../agent/commands/serve.ts';
import { runTile } from '../agent/commands/tile.ts';
import { loadVips } from '../agent/lib/vips.ts';
import { MetadataTable } from '../shared/metadata.ts';
import { DEFAULT_OPTIONS, resolveTileOptions } from '../shared/options.ts';
import { makeSampleImage } from '../shared/sample-image.ts';
import { launchChromium, recordNetwork } from './helpers/chromium.ts';
import { expectBackTo, settled } from './helpers/vips-stats.ts';

const IMAGE_ID = 'serve-sample';
const OTHER_ID = 'serve-other';
const EVIL_LABEL = '<script>alert(1)</script>';
const V3_INFO_TYPE = 'application/ld+json;profile="http://iiif.io/api/image/3/context.json"';
const V2_INFO_TYPE = 'application/ld+json;profile="http://iiif.io/api/image/2/context.json"';
const PRESENTATION_TYPE = 'application/ld+json;profile="http://iiif.io/api/presentation/3/context.json"';
/** Colour of the disc in the middle of the test image: what the viewer must show there. */
const DISC = { r: 255, g: 209, b: 102 };

let work: string;
let out: string;
let server: ServeHandle;

/** A 700x500 picture: a red-to-blue gradient with a yellow disc in the middle. */
function testPicture(width: number, height: number): Buffer {
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <defs><linearGradient id="g"><stop offset="0" stop-color="#e63946"/><stop offset="1" stop-color="#457b9d"/></linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#g)"/>
    <circle cx="${width / 2}" cy="${height / 2}" r="${height / 3}" fill="rgb(${DISC.r},${DISC.g},${DISC.b})"/>
  </svg>`);
}

/** GET (or another method) with the path sent exactly as written: fetch would normalise `%2e%2e`. */
function rawRequest(path: string, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((done, fail) => {
    const req = request(`${server.url}`, { method, path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', fail);
    });
    req.on('error', fail);
    req.end();
  });
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'tessella-serve-'));
  const inputs = join(work, 'inputs');
  out = join(work, 'out');
  mkdirSync(inputs);
  await sharp(testPicture(700, 500)).jpeg({ quality: 90 }).toFile(join(inputs, `${IMAGE_ID}.jpg`));
  await sharp(testPicture(300, 200)).png().toFile(join(inputs, `${OTHER_ID}.png`));
  // Made for the default base URL, not this server's: the page must still load tiles from here.
  const report = await runTile([inputs], {
    out,
    options: resolveTileOptions({}),
    jobs: 2,
    force: false,
    metadata: new MetadataTable([{ id: IMAGE_ID, label: EVIL_LABEL }]),
  });
  expect(report.totals.failed).toBe(0);
  // Something outside the folder, and a link to it from inside, that must never be served.
  writeFileSync(join(work, 'secret.txt'), 'secret');
  symlinkSync(work, join(out, 'linked'));
  server = await serve(out, { port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await server?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('agent serve: IIIF files', () => {
  it('listens on a free port and reports its URL', () => {
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
  });

  it('serves info.json with the Image API 3 content type and CORS', async () => {
    const res = await fetch(`${server.url}iiif/${IMAGE_ID}/info.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(V3_INFO_TYPE);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const info = (await res.json()) as { id: string; width: number; height: number };
    expect(info).toMatchObject({ id: `${DEFAULT_OPTIONS.baseUrl}/${IMAGE_ID}`, width: 700, height: 500 });
  });

  it('serves a tile as image/jpeg with the bytes on disk', async () => {
    const path = `${IMAGE_ID}/0,0,256,256/256,256/0/default.jpg`;
    const res = await fetch(`${server.url}iiif/${path}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('cache-control')).toMatch(/max-age=\d+/);
    expect(Buffer.from(await res.arrayBuffer()).equals(readFileSync(join(out, path)))).toBe(true);
  });

  it('serves manifests and the collection as Presentation 3', async () => {
    for (const path of [`${IMAGE_ID}/manifest.json`, 'collection.json']) {
      const res = await fetch(`${server.url}iiif/${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toBe(PRESENTATION_TYPE);
      expect(((await res.json()) as { type: string }).type).toBe(path === 'collection.json' ? 'Collection' : 'Manifest');
    }
  });

  it('answers HEAD with the headers and no body', async () => {
    const res = await rawRequest(`/iiif/${IMAGE_ID}/info.json`, 'HEAD');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(V3_INFO_TYPE);
    expect(Number(res.headers['content-length'])).toBe(statSync(join(out, IMAGE_ID, 'info.json')).size);
    expect(res.body.length).toBe(0);
  });

  it('answers a CORS preflight', async () => {
    const res = await fetch(`${server.url}iiif/${IMAGE_ID}/info.json`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://viewer.example', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'range' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-methods')).toContain('GET');
    expect(res.headers.get('access-control-allow-headers')).toBe('range');
  });

  it('answers 404 in plain text, with CORS, for a missing tile', async () => {
    const res = await fetch(`${server.url}iiif/${IMAGE_ID}/9999,0,256,256/256,256/0/default.jpg`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('never serves hidden files, staging folders or anything outside the folder', async () => {
    const paths = [
      `/iiif/${IMAGE_ID}/.tessella.json`,
      `/iiif/${IMAGE_ID}/%2etessella.json`,
      '/iiif/.tessella-staging/',
      '/iiif/..%2f..%2fetc/passwd',
      '/iiif/..%2fsecret.txt',
      '/iiif/%2e%2e/secret.txt',
      '/iiif/../secret.txt',
      '/iiif/..%5csecret.txt',
      '/iiif/linked/secret.txt',
      '/iiif/',
      `/iiif/${IMAGE_ID}`,
      '/_osd/..%2f..%2fpackage.json',
    ];
    for (const path of paths) {
      const res = await rawRequest(path);
      expect(res.status, path).toBe(404);
      expect(res.body.toString(), path).not.toContain('secret');
    }
  });

  it('refuses other methods', async () => {
    const res = await fetch(`${server.url}iiif/${IMAGE_ID}/info.json`, { method: 'POST', body: 'x' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toContain('GET');
  });

  it('types a v2 info.json by its context', async () => {
    const v2out = join(work, 'out-v2');
    const report = await runTile([join(work, 'inputs', `${OTHER_ID}.png`)], { out: v2out, options: resolveTileOptions({ iiifVersion: 2 }), jobs: 1, force: false });
    expect(report.totals.failed).toBe(0);
    const v2 = await serve(v2out, { port: 0, host: '127.0.0.1' });
    try {
      const res = await fetch(`${v2.url}iiif/${OTHER_ID}/info.json`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(V2_INFO_TYPE);
    } finally {
      await v2.close();
    }
  });
});

describe('agent serve: page and viewer', () => {
  it('lists the images with escaped labels and links to their files', async () => {
    const res = await fetch(server.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain(`data-testid="image-link" data-id="${IMAGE_ID}"`);
    expect(html).toContain(`data-testid="image-link" data-id="${OTHER_ID}"`);
    expect(html).toContain(`href="iiif/${IMAGE_ID}/info.json"`);
    expect(html).toContain(`href="iiif/${IMAGE_ID}/manifest.json"`);
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(html).not.toContain(EVIL_LABEL);
    expect(html).toContain('700 × 500');
    expect(html).not.toContain('linked');
  });

  it('serves OpenSeadragon and its button images from node_modules', async () => {
    const js = await fetch(`${server.url}_osd/openseadragon.min.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await js.text()).toContain('OpenSeadragon');
    const button = await fetch(`${server.url}_osd/images/zoomin_rest.png`);
    expect(button.status).toBe(200);
    expect(button.headers.get('content-type')).toBe('image/png');
  });

  describe('in Chromium', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
    });

    it('opens a clicked image in OpenSeadragon with tiles from this server', async () => {
      const page = await browser.newPage({ viewport: { width: 1100, height: 700 } });
      const network = recordNetwork(page);
      await page.goto(server.url);
      await page.click(`[data-testid="image-link"][data-id="${IMAGE_ID}"]`);
      await page.waitForSelector('[data-testid="viewer"][data-state="loaded"]', { timeout: 60_000 });
      await page.waitForFunction(
        (id) => {
          const item = (window as unknown as { tessella: { viewer: any } }).tessella.viewer?.world.getItemAt(0);
          return item?.getFullyLoaded() && item.source._id.endsWith(`/iiif/${id}`);
        },
        IMAGE_ID,
        { timeout: 60_000 },
      );
      await network.idle();
      await page.screenshot({ path: '/tmp/serve-shot.png' });

      expect(network.errors()).toEqual([]);
      expect(network.failures).toEqual([]);
      expect(network.pageErrors).toEqual([]);
      const urls = network.okUrls();
      expect(urls.every((u) => u.startsWith(server.url) || u.startsWith('data:')), urls.join('\n')).toBe(true);
      expect(urls.some((u) => u.startsWith(`${server.url}iiif/${IMAGE_ID}/`) && u.endsWith('/default.jpg'))).toBe(true);

      // The middle of the viewer shows the middle of the image: the yellow disc.
      const box = (await page.locator('[data-testid="viewer"]').boundingBox())!;
      const shot = await page.screenshot({ clip: { x: box.x + box.width / 2 - 10, y: box.y + box.height / 2 - 10, width: 20, height: 20 } });
      const { channels } = await sharp(shot).stats();
      expect(Math.abs(channels[0]!.mean - DISC.r)).toBeLessThan(30);
      expect(Math.abs(channels[1]!.mean - DISC.g)).toBeLessThan(30);
      expect(Math.abs(channels[2]!.mean - DISC.b)).toBeLessThan(30);
      await page.close();
    });
  });
});

describe('makeSampleImage', () => {
  it('makes an 8-bit sRGB picture with detail, freeing what it made', async () => {
    const vips = await loadVips();
    const makeAndSave = (): number => {
      const image = makeSampleImage(vips, 600, 400);
      try {
        expect([image.width, image.height, image.bands, image.format, image.interpretation]).toEqual([600, 400, 3, 'uchar', 'srgb']);
        expect(image.deviate()).toBeGreaterThan(20); // Not a flat colour.
        return image.jpegsaveBuffer({ Q: 80 }).length;
      } finally {
        image.delete();
      }
    };
    // One thread and the same work done twice first, so that only what this function leaks counts.
    vips.concurrency(1);
    makeAndSave();
    makeAndSave();
    const before = await settled(vips.Stats.allocations);
    for (let i = 0; i < 3; i++) expect(makeAndSave()).toBeGreaterThan(10_000);
    await expectBackTo(vips.Stats.allocations, before);
  });
});

