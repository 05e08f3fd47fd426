// Images opened through ImageFile (custom sources, read as the decoder goes) decode exactly as
// when libvips opens the file by name, fail the same way on a broken file, and let go of it.
import { mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageFile, loadVips } from '../agent/lib/vips.ts';
import { errorText } from '../shared/vips/errors.ts';
import type { Vips } from '../shared/vips/types.ts';
import { pattern } from './helpers/odd-images.ts';

let dir: string;
let vips: Vips;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tessella-image-file-'));
  vips = await loadVips();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Descriptors of this process open on files of the test folder (other test files may run in other threads). */
const openInDir = (): number =>
  readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith(dir);
    } catch {
      return false;
    }
  }).length;

describe('ImageFile', () => {
  it('decodes the same pixels as opening by name, for every access and format', async () => {
    const width = 1500;
    const height = 1100;
    const raw = { raw: { width, height, channels: 3 as const } };
    const files = {
      'a.jpg': await sharp(pattern(width, height), raw).jpeg({ quality: 90 }).toBuffer(),
      'a.png': await sharp(pattern(width, height), raw).png().toBuffer(),
      'a.tif': await sharp(pattern(width, height), raw).tiff({ tile: true }).toBuffer(),
    };
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
    const compareAll = (): void => {
      for (const name of Object.keys(files)) {
        const path = join(dir, name);
        for (const access of ['sequential', 'random'] as const) {
          const byName = vips.Image.newFromFile(path, { access, fail_on: 'error' });
          const file = new ImageFile(vips, path);
          const bySource = file.open({ access, fail_on: 'error' });
          try {
            expect([bySource.width, bySource.height, bySource.bands]).toEqual([width, height, 3]);
            const a = Buffer.from(byName.writeToMemory() as Uint8Array);
            const b = Buffer.from(bySource.writeToMemory() as Uint8Array);
            expect(b.equals(a), `${name} ${access}`).toBe(true);
          } finally {
            bySource.delete();
            byName.delete();
            file.close();
          }
        }
      }
    };
    compareAll();
    // Nothing is left open on the inputs (libvips closes the files it opened by name too).
    expect(openInDir()).toBe(0);
  });

  it('fails on a truncated file as opening by name does', async () => {
    const path = join(dir, 'truncated.jpg');
    const bytes = await sharp(pattern(800, 600), { raw: { width: 800, height: 600, channels: 3 } }).jpeg().toBuffer();
    writeFileSync(path, bytes.subarray(0, bytes.length / 2));
    const file = new ImageFile(vips, path);
    const image = file.open({ access: 'sequential', fail_on: 'error' });
    try {
      let message = '';
      try {
        image.writeToMemory();
      } catch (err) {
        message = errorText(err);
      }
      expect(message).toMatch(/truncated|premature end/i);
    } finally {
      image.delete();
      file.close();
    }
  });
});
