// `agent demo` (what `npm run demo` runs): make the built-in sample image, tile it with the real
// tiler and serve the result, so a fresh clone shows a deep-zoomable IIIF image in one command.
// Reruns reuse the sample and skip the tiling (runTile skips up-to-date images).

import { availableParallelism } from 'node:os';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { MetadataTable } from '../../shared/metadata.ts';
import { resolveTileOptions } from '../../shared/options.ts';
import { makeSampleImage } from '../../shared/sample-image.ts';
import { reportLine } from '../lib/progress.ts';
import { loadVips } from '../lib/vips.ts';
import { serve, type ServeHandle } from './serve.ts';
import { runTile } from './tile.ts';

export interface DemoOptions {
  port: number;
  /** Output folder for the tiles; the sample image goes beside it, in ../sample/. */
  out: string;
  host?: string;
}

const SAMPLE_ID = 'tessella-sample';

const say = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

const shown = (path: string): string => relative(process.cwd(), path) || path;

/** Write the sample JPEG unless it is already there (written aside, then renamed: never half a file). */
async function ensureSampleImage(file: string): Promise<void> {
  if (existsSync(file)) {
    say(`Sample image: ${shown(file)} (already there)`);
    return;
  }
  const started = performance.now();
  say(`Making the sample image ${shown(file)} (6000 x 4000)...`);
  mkdirSync(dirname(file), { recursive: true });
  const vips = await loadVips();
  const image = makeSampleImage(vips);
  const tmp = `${file}.${process.pid}.tmp.jpg`;
  try {
    image.writeToFile(tmp, { Q: 90 });
  } finally {
    image.delete();
  }
  renameSync(tmp, file);
  say(`  done in ${((performance.now() - started) / 1000).toFixed(1)}s`);
}

/** Tile the sample, serve it and leave the server running; resolves once it is ready. */
export async function demo(opts: DemoOptions): Promise<ServeHandle> {
  const out = resolve(opts.out);
  const sample = join(dirname(out), 'sample', `${SAMPLE_ID}.jpg`);
  mkdirSync(out, { recursive: true });

  // Listen first: a busy port fails before any work, and the base URL gets the real port.
  const server = await serve(out, { port: opts.port, host: opts.host ?? '127.0.0.1' });
  try {
    await ensureSampleImage(sample);
    const baseUrl = `${server.url}iiif`;
    say(`Tiling it into ${shown(out)} for ${baseUrl} ...`);
    let shownPercent = 0;
    const report = await runTile(
      [sample],
      {
        out,
        options: resolveTileOptions({ baseUrl }),
        jobs: availableParallelism(),
        force: false,
        metadata: new MetadataTable([
          {
            id: SAMPLE_ID,
            label: 'Tessella sample: an imaginary topographic map',
            summary: 'Made from libvips noise generators. Zoom in for hill shading, contour lines, a 250 px grid and a zone plate.',
          },
        ]),
      },
      (e) => {
        if (e.type === 'progress' && e.totalFiles > 0) {
          const percent = Math.floor((e.files / e.totalFiles) * 4) * 25;
          if (percent > shownPercent && percent < 100) say(`  ${(shownPercent = percent)}%`);
        }
        if (e.type === 'finished') say(`  ${reportLine(e.report)}`);
      },
    );
    const failed = report.images.find((r) => r.status === 'failed');
    if (failed) throw new Error(`tiling the sample failed: ${failed.error}`);
  } catch (err) {
    await server.close();
    throw err;
  }

  say('');
  say(`Open ${server.url} to zoom into it with OpenSeadragon.`);
  say(`  IIIF image service: ${server.url}iiif/${SAMPLE_ID}/info.json`);
  say(`  Manifest:           ${server.url}iiif/${SAMPLE_ID}/manifest.json`);
  say(`  Collection:         ${server.url}iiif/collection.json`);
  say('Press Ctrl-C to stop.');
  return server;
}
