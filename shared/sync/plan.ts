// The sync plan: compare what is here with what is there, by key, size and MD5/ETag, so a
// rerun with nothing changed uploads nothing and one changed file uploads exactly one.

import type { LocalObject, RemoteObject } from './objects.ts';

export interface SyncPlan {
  upload: LocalObject[];
  skip: LocalObject[];
  /** Remote objects under the prefix with no local counterpart (removed only with --delete). */
  extra: RemoteObject[];
}

export function planSync(local: LocalObject[], remote: RemoteObject[]): SyncPlan {
  const there = new Map(remote.map((r) => [r.key, r]));
  const plan: SyncPlan = { upload: [], skip: [], extra: [] };
  for (const l of local) {
    const r = there.get(l.key);
    there.delete(l.key);
    if (r && r.size === l.size && r.etag.toLowerCase() === l.md5.toLowerCase()) plan.skip.push(l);
    else plan.upload.push(l);
  }
  plan.extra = [...there.values()].sort((a, b) => a.key.localeCompare(b.key));
  // Tiles before JSON: an info.json never points at tiles that are not there yet.
  plan.upload.sort((a, b) => Number(a.key.endsWith('.json')) - Number(b.key.endsWith('.json')) || a.key.localeCompare(b.key));
  return plan;
}
