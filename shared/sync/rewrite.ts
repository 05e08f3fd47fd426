// Publish under the final URL without retiling: info.json, manifests and the collection carry
// absolute ids made from the base URL; tiles do not. Only JSON is rewritten, string by string.

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function rewriteValue(value: unknown, from: string, to: string): unknown {
  if (typeof value === 'string') {
    if (value === from) return to;
    if (value.startsWith(`${from}/`)) return to + value.slice(from.length);
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => rewriteValue(v, from, to));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewriteValue(v, from, to)]));
  }
  return value;
}

/** The JSON document with every URL under `from` moved under `to`, formatted as the tiler writes it. */
export function rewriteBaseUrl(bytes: Uint8Array, from: string, to: string): Uint8Array {
  if (from === to) return bytes;
  const doc = JSON.parse(decoder.decode(bytes)) as unknown;
  return encoder.encode(`${JSON.stringify(rewriteValue(doc, from, to), null, 2)}\n`);
}

/** The base URL a document was made with: its id minus the part that follows the base. */
export function baseUrlOf(key: string, bytes: Uint8Array): string | undefined {
  const doc = JSON.parse(decoder.decode(bytes)) as Record<string, unknown>;
  const id = String(doc.id ?? doc['@id'] ?? '');
  const parts = key.split('/');
  // info.json: id = base/<id>; manifest.json: id = base/<id>/manifest.json; collection.json: base/collection.json
  const suffix = parts[parts.length - 1] === 'info.json' ? `/${parts.slice(0, -1).join('/')}` : `/${key}`;
  return id.endsWith(suffix) ? id.slice(0, id.length - suffix.length) : undefined;
}
