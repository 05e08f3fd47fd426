// Manifests and collections against the IIIF Presentation 3 schema (Ajv), with metadata of
// every shape a metadata file can give, v3 and v2 services, every tile format.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCollection, buildManifest, normaliseRights } from '../shared/iiif/manifest.ts';
import { planImage } from '../shared/iiif/plan.ts';
import { MetadataTable, jsonRows, rowToMetadata } from '../shared/metadata.ts';
import { SCHEMA_DIR, schemaErrors } from './helpers/iiif-schema.ts';

const BASE = 'https://iiif.example.org/iiif';

describe('the schema behaves as the official validator does on its fixtures', () => {
  const reject = /^(broken_|non_cc_license|old_format_label|rights_lang_issues|collection_of_canvases)/;
  for (const name of readdirSync(join(SCHEMA_DIR, 'fixtures')).sort()) {
    it(`${name} is ${reject.test(name) ? 'rejected' : 'accepted'}`, () => {
      const doc = JSON.parse(readFileSync(join(SCHEMA_DIR, 'fixtures', name), 'utf8'));
      expect(schemaErrors(doc).length > 0).toBe(reject.test(name));
    });
  }
});

describe('manifests', () => {
  const sizes: Array<[number, number]> = [[1, 1], [1, 500], [300, 200], [6028, 3391], [40000, 30000]];
  const metadataCases = [
    undefined,
    rowToMetadata({ id: 'x', title: 'A title', summary: 'About it', rights: 'https://creativecommons.org/licenses/by-sa/4.0/', attribution: 'Library', Date: '1850', Creator: 'Someone' }),
    rowToMetadata({ id: 'x', label: '<b>not html</b>', rights: 'All rights reserved', 'Shelf mark': 'MS 1' }),
    rowToMetadata({ id: 'x', rights: 'http://rightsstatements.org/vocab/InC/1.0/' }),
  ];
  for (const [w, h] of sizes) {
    for (const version of [3, 2] as const) {
      for (const format of ['jpg', 'webp', 'png'] as const) {
        it(`${w}x${h} v${version} ${format}: valid with every kind of metadata`, () => {
          const plan = planImage({ width: w, height: h }, { tileSize: 256, iiifVersion: version, format, maxSize: 4096 });
          for (const metadata of metadataCases) {
            const m = buildManifest({ id: 'img-1', baseUrl: BASE, plan, version, format, metadata });
            expect(schemaErrors(m)).toEqual([]);
            const canvas = (m.items as Array<Record<string, unknown>>)[0]!;
            expect([canvas.width, canvas.height]).toEqual([w, h]);
          }
        });
      }
    }
  }

  it('rights: CC and RightsStatements URIs over http; anything else kept as a metadata pair', () => {
    expect(normaliseRights('https://creativecommons.org/licenses/by/4.0/')).toBe('http://creativecommons.org/licenses/by/4.0/');
    expect(normaliseRights('http://rightsstatements.org/vocab/NoC-US/1.0/')).toBe('http://rightsstatements.org/vocab/NoC-US/1.0/');
    expect(normaliseRights('All rights reserved')).toBeUndefined();
    const plan = planImage({ width: 10, height: 10 }, { tileSize: 256, iiifVersion: 3, format: 'jpg', maxSize: 4096 });
    const m = buildManifest({ id: 'a', baseUrl: BASE, plan, version: 3, format: 'jpg', metadata: { rights: 'All rights reserved' } });
    expect(m.rights).toBeUndefined();
    expect(m.metadata).toEqual([{ label: { none: ['Rights'] }, value: { none: ['All rights reserved'] } }]);
  });

  it('the painting body is full/max with the image service embedded, sizes included', () => {
    const plan = planImage({ width: 10000, height: 5000 }, { tileSize: 256, iiifVersion: 3, format: 'jpg', maxSize: 4096 });
    const m = buildManifest({ id: 'big', baseUrl: BASE, plan, version: 3, format: 'jpg' }) as any;
    const body = m.items[0].items[0].items[0].body;
    expect(body.id).toBe(`${BASE}/big/full/max/0/default.jpg`);
    expect([body.width, body.height]).toEqual([2500, 1250]);
    expect(body.service[0]).toMatchObject({ id: `${BASE}/big`, type: 'ImageService3', profile: 'level0', width: 10000, height: 5000 });
    expect(body.service[0].sizes).toEqual(plan.sizes);
    expect(m.thumbnail[0].id).toMatch(new RegExp(`^${BASE}/big/full/\\d+,\\d+/0/default.jpg$`));
  });
});

describe('collection', () => {
  it('is valid and lists manifests with labels and thumbnails', () => {
    const plan = planImage({ width: 800, height: 600 }, { tileSize: 256, iiifVersion: 3, format: 'jpg', maxSize: 4096 });
    const thumb = (buildManifest({ id: 'a', baseUrl: BASE, plan, version: 3, format: 'jpg' }).thumbnail as unknown[])[0] as Record<string, unknown>;
    const c = buildCollection(BASE, 'My scans', [
      { id: 'a', label: 'First', thumbnail: thumb },
      { id: 'b', label: 'Second' },
    ]);
    expect(schemaErrors(c)).toEqual([]);
    expect(c.id).toBe(`${BASE}/collection.json`);
    expect((c.items as Array<{ id: string }>).map((i) => i.id)).toEqual([`${BASE}/a/manifest.json`, `${BASE}/b/manifest.json`]);
    expect(schemaErrors(buildCollection(BASE, 'Empty', []))).toEqual([]);
  });
});

describe('metadata files', () => {
  it('rows are found by id, file name or file name without extension', () => {
    const table = new MetadataTable([
      { id: 'folio-1', title: 'Folio 1' },
      { file: 'scans/Folio 2.tif', label: 'Folio 2' },
    ]);
    expect(table.lookup('folio-1', 'folio-1.jpg')?.label).toBe('Folio 1');
    expect(table.lookup('Folio-2', 'Folio 2.tif')?.label).toBe('Folio 2');
    expect(table.lookup('other', 'other.jpg')).toBeUndefined();
  });

  it('JSON: an array of rows or an object keyed by id', () => {
    expect(jsonRows([{ id: 'a', title: 'A' }])).toEqual([{ id: 'a', title: 'A' }]);
    expect(jsonRows({ a: { title: 'A' }, b: 'Just a label' })).toEqual([{ id: 'a', title: 'A' }, { id: 'b', label: 'Just a label' }]);
    expect(() => jsonRows('nope')).toThrow();
  });

  it('every column without its own place becomes a metadata pair, in order', () => {
    const m = rowToMetadata({ id: 'a', Title: 'T', Creator: 'C', Date: '1900', Empty: '' });
    expect(m.label).toBe('T');
    expect(m.metadata).toEqual([['Creator', 'C'], ['Date', '1900']]);
  });
});
