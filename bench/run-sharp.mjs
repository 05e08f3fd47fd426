// The reference for the benchmark: sharp (native libvips dzsave) writing IIIF 3 tiles, run in a
// child process of its own so it is measured exactly like the agent. Plain JavaScript, as a
// user of sharp runs it: through tsx it paid ~0.4 s of TypeScript start-up the agent does not.
// Usage: node bench/run-sharp.mjs INPUT --out DIR [--tile-size 256] [--quality 85]
// INPUT is a file or a folder of JPEGs. Writes DIR/<file name without extension>/info.json and the tiles.

import { readdirSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    out: { type: 'string' },
    'tile-size': { type: 'string', default: '256' },
    quality: { type: 'string', default: '85' },
  },
});

const input = positionals[0];
if (!input || !values.out) {
  process.stderr.write('usage: run-sharp.mjs INPUT --out DIR [--tile-size N] [--quality Q]\n');
  process.exit(2);
}

// sharp's defaults otherwise (concurrency, cache), as a user of sharp would get them; no pixel
// limit so that very large inputs are accepted like the agent accepts them.
const tile = (file) =>
  sharp(file, { limitInputPixels: false })
    .jpeg({ quality: Number(values.quality) })
    .tile({ size: Number(values['tile-size']), layout: 'iiif3' })
    .toFile(join(values.out, basename(file, extname(file))));

// A folder (the batch case): every JPEG in it, all started at once, as a sharp user would with
// Promise.all; sharp's own thread pool decides how many run at a time.
const files = statSync(input).isDirectory()
  ? readdirSync(input).filter((name) => name.endsWith('.jpg')).sort().map((name) => join(input, name))
  : [input];
await Promise.all(files.map(tile));
