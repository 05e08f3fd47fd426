// Small type guards for checking parsed JSON, shared by the info.json and manifest checks.

export type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isPositiveInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}

/** An absolute http(s) URL. */
export function isHttpUrl(v: unknown): v is string {
  if (typeof v !== 'string' || !/^https?:\/\//.test(v)) return false;
  try {
    new URL(v);
    return true;
  } catch {
    return false;
  }
}

/** A Presentation 3 language map: `{ "en": ["..."], "none": ["..."] }`. */
export function isLanguageMap(v: unknown): boolean {
  if (!isObject(v) || Object.keys(v).length === 0) return false;
  return Object.values(v).every((values) => Array.isArray(values) && values.every((s) => typeof s === 'string'));
}

/** `@context` equal to `context`, or a list that contains it. */
export function hasContext(json: Json, context: string): boolean {
  const c = json['@context'];
  return c === context || (Array.isArray(c) && c.includes(context));
}

export function show(v: unknown): string {
  return v === undefined ? 'nothing' : JSON.stringify(v);
}

/** Collects problems for one document; `check` records `message` when `ok` is false. */
export class Problems {
  readonly list: string[] = [];
  constructor(private readonly prefix = '') {}
  add(message: string): void {
    this.list.push(`${this.prefix}${message}`);
  }
  check(ok: boolean, message: string): boolean {
    if (!ok) this.add(message);
    return ok;
  }
}
