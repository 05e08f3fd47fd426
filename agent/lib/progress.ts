// What `agent tile` shows while it runs: bars on a terminal (per image and overall, tiles per
// second), one line per image otherwise. Failures always get one line naming the file.

import { relative } from 'node:path';
import cliProgress from 'cli-progress';
import type { ImageReport, TileEvent } from '../commands/tile.ts';

export function reportLine(r: ImageReport): string {
  const source = relative(process.cwd(), r.source) || r.source;
  if (r.status === 'failed') return `failed  ${source}: ${r.error}`;
  if (r.status === 'skipped') return `skipped ${r.id} (up to date)`;
  const rate = r.seconds ? Math.round((r.tiles ?? 0) / r.seconds) : 0;
  return `ok      ${r.id}  ${r.width}x${r.height}  ${r.levels} levels  ${r.tiles} files  ${r.seconds}s  ${rate} tiles/s`;
}

export interface ProgressDisplay {
  onEvent(e: TileEvent): void;
  stop(): void;
}

/** Plain lines on stderr: for logs, pipes and CI. */
export function lineProgress(stream: NodeJS.WritableStream = process.stderr): ProgressDisplay {
  return {
    onEvent(e) {
      if (e.type === 'finished') stream.write(`${reportLine(e.report)}\n`);
    },
    stop() {},
  };
}

/** Live bars on a terminal. */
export function barProgress(): ProgressDisplay {
  const multi = new cliProgress.MultiBar(
    {
      stream: process.stderr,
      clearOnComplete: true,
      hideCursor: true,
      format: ' {name} |{bar}| {value}/{total} {unit}  {rate}',
      barsize: 30,
      autopadding: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  let tilesDone = 0;
  const perImage = new Map<string, { bar: cliProgress.SingleBar; files: number }>();
  let overall: cliProgress.SingleBar | undefined;
  let imagesDone = 0;
  const rate = (): string => `${Math.round(tilesDone / Math.max(0.001, (Date.now() - started) / 1000))} tiles/s`;
  return {
    onEvent(e) {
      switch (e.type) {
        case 'planned':
          overall = multi.create(e.total, 0, { name: 'all images'.padEnd(24), unit: 'images', rate: '' });
          break;
        case 'start':
          perImage.set(e.id, { bar: multi.create(1, 0, { name: e.id.slice(0, 24).padEnd(24), unit: 'files', rate: '' }), files: 0 });
          break;
        case 'progress': {
          const p = perImage.get(e.id);
          if (!p) break;
          tilesDone += e.files - p.files;
          p.files = e.files;
          p.bar.setTotal(e.totalFiles);
          p.bar.update(e.files, { rate: rate() });
          overall?.update(imagesDone, { rate: rate() });
          break;
        }
        case 'finished': {
          const p = perImage.get(e.report.id);
          if (p) {
            multi.remove(p.bar);
            perImage.delete(e.report.id);
          }
          imagesDone++;
          overall?.update(imagesDone, { rate: rate() });
          multi.log(`${reportLine(e.report)}\n`);
          break;
        }
      }
    },
    stop() {
      multi.stop();
    },
  };
}
