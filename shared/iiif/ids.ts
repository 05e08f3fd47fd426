// Image ids: the file name without its extension, kept exactly when already URL-safe.

const URL_SAFE = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

export function baseName(path: string): string {
  const name = path.split(/[\\/]/).pop() ?? path;
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

/** A URL-safe id for a file: unchanged when it already is, else transliterated and dashed. */
export function imageIdFor(path: string): string {
  const stem = baseName(path);
  if (URL_SAFE.test(stem)) return stem;
  const safe = stem
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[.-]+/, '')
    .replace(/-+$/, '');
  return safe === '' ? 'image' : safe;
}

export function isSafeId(id: string): boolean {
  return URL_SAFE.test(id);
}
