// Tile one file in this process, through the same code path as the agent's workers.
import { loadVips } from '../../agent/lib/vips.ts';
import { type TileJobSummary, runTileJob } from '../../agent/lib/tile-job.ts';
import { imageIdFor } from '../../shared/iiif/ids.ts';
import { type TileOptions, resolveTileOptions } from '../../shared/options.ts';
import type { Vips } from '../../shared/vips/types.ts';

let vipsPromise: Promise<Vips> | undefined;
export const sharedVips = (): Promise<Vips> => (vipsPromise ??= loadVips());

export async function tileInProcess(file: string, outDir: string, options: Partial<Record<keyof TileOptions, unknown>> = {}): Promise<TileJobSummary> {
  const vips = await sharedVips();
  return runTileJob(vips, { id: imageIdFor(file), path: file, outDir, options: resolveTileOptions(options) });
}
