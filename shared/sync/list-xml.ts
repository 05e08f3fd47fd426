// Just enough XML to read S3's ListObjectsV2 answers and error bodies, the same in browsers and
// Node (no DOMParser there): S3 writes flat, attribute-free elements with escaped text, so
// finding `<Tag>...</Tag>` by position is exact; only the five entities and &#...; occur.

import type { RemoteObject } from './objects.ts';

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function decodeXmlText(text: string): string {
  let out = '';
  let at = 0;
  for (;;) {
    const amp = text.indexOf('&', at);
    const semi = amp < 0 ? -1 : text.indexOf(';', amp);
    if (amp < 0 || semi < 0) return out + text.slice(at);
    out += text.slice(at, amp);
    const name = text.slice(amp + 1, semi);
    let char = NAMED[name];
    if (char === undefined && name.startsWith('#')) {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      if (Number.isFinite(code)) char = String.fromCodePoint(code);
    }
    out += char ?? text.slice(amp, semi + 1);
    at = semi + 1;
  }
}

/** Each `<tag>...</tag>` element's inner XML, in order, searching `xml` from `from` to `to`. */
function elements(xml: string, tag: string, from = 0, to = xml.length): string[] {
  const open = `<${tag}>`;
  const close = `</${tag}>`;
  const out: string[] = [];
  let at = from;
  for (;;) {
    const start = xml.indexOf(open, at);
    if (start < 0 || start >= to) return out;
    const end = xml.indexOf(close, start + open.length);
    if (end < 0 || end > to) return out;
    out.push(xml.slice(start + open.length, end));
    at = end + close.length;
  }
}

/** The decoded text of the first `<tag>` in `xml`, if any. */
export function xmlText(xml: string, tag: string): string | undefined {
  const found = elements(xml, tag)[0];
  return found === undefined ? undefined : decodeXmlText(found);
}

export interface ListResult {
  /** Full keys, as stored. */
  objects: RemoteObject[];
  isTruncated: boolean;
  nextContinuationToken?: string;
}

/** A ListObjectsV2 answer (`<ListBucketResult>`). Throws when it is not one. */
export function parseListObjectsV2(xml: string): ListResult {
  if (!xml.includes('<ListBucketResult')) throw new Error(`not a ListObjectsV2 answer: ${xml.slice(0, 120)}`);
  const objects = elements(xml, 'Contents').map((c) => ({
    key: xmlText(c, 'Key') ?? '',
    size: Number(xmlText(c, 'Size') ?? 0),
    etag: (xmlText(c, 'ETag') ?? '').split('"').join(''),
  }));
  // Text is escaped, so a key never holds a literal tag: these occur once, at the top level.
  return { objects, isTruncated: xmlText(xml, 'IsTruncated') === 'true', nextContinuationToken: xmlText(xml, 'NextContinuationToken') };
}

/** Code and message of an S3 `<Error>` body, when it is one. */
export function parseS3Error(xml: string): { code: string; message: string } | undefined {
  if (!xml.includes('<Error>')) return undefined;
  return { code: xmlText(xml, 'Code') ?? '', message: xmlText(xml, 'Message') ?? '' };
}
