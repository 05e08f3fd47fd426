// The `agent` command line: a thin layer over the programmatic API in agent/commands/.
// Exit status: 0 all done, 1 some inputs failed or problems found, 2 usage error.

import { availableParallelism } from 'node:os';
import { Command, CommanderError, Option } from 'commander';
import { existsSync } from 'node:fs';
import { DEFAULT_OPTIONS, OptionError, TILE_FORMATS, normaliseBaseUrl, resolveTileOptions } from '../shared/options.ts';
import { DEFAULT_PRESIGN_ORIGIN, MAX_EXPIRES } from './lib/presign-limits.ts';
import type { S3ConnectionOptions } from './lib/s3-client.ts';
import { barProgress, lineProgress } from './lib/progress.ts';

export const EXIT_OK = 0;
export const EXIT_FAILURES = 1;
export const EXIT_USAGE = 2;

class UsageError extends Error {}

function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name}: expected a whole number of at least 1, got "${value}"`);
    return n;
  };
}

function nonNegativeInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name}: expected a whole number of at least 0, got "${value}"`);
    return n;
  };
}

function tileCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('tile')
    .description('Tile images into IIIF level-0 static tiles, info.json, manifests and a collection.')
    .argument('<input...>', 'image files, folders (searched recursively) or globs (quote them)')
    .requiredOption('-o, --out <dir>', 'output folder (DIR/<id>/info.json, tiles, manifest.json; DIR/collection.json), or s3://BUCKET/PREFIX to publish each image as it completes')
    .option('--base-url <url>', 'public URL the output will be served under', DEFAULT_OPTIONS.baseUrl)
    .addOption(new Option('--iiif <version>', 'IIIF Image API version').choices(['3', '2']).default('3'))
    .option('--tile-size <n>', 'tile width and height in pixels', String(DEFAULT_OPTIONS.tileSize))
    .addOption(new Option('--format <format>', 'tile format').choices([...TILE_FORMATS]).default(DEFAULT_OPTIONS.format))
    .option('--quality <q>', 'JPEG/WebP quality, 1-100', String(DEFAULT_OPTIONS.quality))
    .option('--max-size <n>', 'largest width/height of whole-image files (sizes, full/max); larger images declare maxWidth/maxHeight', String(DEFAULT_OPTIONS.maxSize))
    .option('--max-pixels <n>', 'refuse inputs whose header claims more pixels than this (decompression bombs)', String(DEFAULT_OPTIONS.maxPixels))
    .option('--metadata <file>', 'CSV or JSON with one row per image, keyed by id or file name: label|title, summary, rights, attribution, other columns become metadata')
    .option('-j, --jobs <n>', 'images tiled at once, each decoded in its own worker thread', positiveInt('jobs'), availableParallelism())
    .option('--encoders <n>', 'encoder threads shared by the images being tiled (0: encode in the decoding threads); default: cores - 1 (none when every input is under 40 Mpx)', nonNegativeInt('encoders'))
    .option('-f, --force', 'retile images whose output is already complete and up to date', false)
    .option('--json', 'print one JSON report on stdout (for orchestrators)', false)
    .option('--work <dir>', 'with --out s3://: local folder the tiles are made in before upload (kept for reruns)')
    .option('--endpoint <url>', 'with --out s3://: S3-compatible endpoint')
    .option('--region <region>', 'with --out s3://: region')
    .option('--path-style', 'with --out s3://: path-style bucket URLs (most S3-compatible stores)', false)
    .option('--concurrency <n>', 'with --out s3://: uploads at once', positiveInt('concurrency'), 16)
    .addHelpText(
      'after',
      `
Examples:
  agent tile scans/ --out public/iiif
  agent tile "photos/**/*.tif" --out out --base-url https://example.org/iiif --iiif 2
  agent tile a.jpg b.png --out out --format webp --quality 80 --metadata records.csv --json`,
    )
    .action(async (inputs: string[], flags: Record<string, string | boolean | number | undefined>) => {
      let options;
      try {
        options = resolveTileOptions({
          baseUrl: flags.baseUrl,
          iiifVersion: flags.iiif,
          tileSize: flags.tileSize,
          format: flags.format,
          quality: flags.quality,
          maxSize: flags.maxSize,
          maxPixels: flags.maxPixels,
        });
      } catch (err) {
        if (err instanceof OptionError) throw new UsageError(`--${err.message}`);
        throw err;
      }
      let metadata;
      if (typeof flags.metadata === 'string') {
        try {
          // Loaded only when asked for: the CSV parser adds ~20 ms to every start.
          metadata = (await import('./lib/metadata-file.ts')).readMetadataFile(flags.metadata);
        } catch (err) {
          throw new UsageError(`--metadata ${flags.metadata}: ${(err as Error).message}`);
        }
      }
      const json = flags.json === true;
      const display = !json && process.stderr.isTTY ? barProgress() : lineProgress();
      const out = String(flags.out);
      const run = { options, jobs: Number(flags.jobs), encoders: flags.encoders as number | undefined, force: flags.force === true, metadata };
      const report = out.startsWith('s3://')
        ? await (await import('./commands/tile-to-s3.ts')).runTileToS3(inputs, run, out, { ...s3Flags(flags), concurrency: Number(flags.concurrency), workDir: flags.work as string | undefined }, (e) => display.onEvent(e))
        : await (await import('./commands/tile.ts')).runTile(inputs, { ...run, out }, (e) => display.onEvent(e));
      display.stop();
      if (json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else {
        const t = report.totals;
        process.stderr.write(`${t.ok} tiled, ${t.skipped} up to date, ${t.failed} failed, ${t.tiles} files, ${(t.bytes / 1e6).toFixed(1)} MB in ${t.seconds}s\n`);
      }
      setExit(report.totals.failed > 0 ? EXIT_FAILURES : EXIT_OK);
    });
}

function s3Flags(flags: Record<string, unknown>): S3ConnectionOptions {
  return { endpoint: flags.endpoint as string | undefined, region: flags.region as string | undefined, pathStyle: flags.pathStyle === true };
}

function s3Target(value: string): string {
  if (!/^s3:\/\/[^/]+/.test(value)) throw new UsageError(`expected s3://BUCKET/PREFIX, got "${value}"`);
  return value;
}

function syncCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('sync')
    .description('Publish an output folder to S3 incrementally: upload what differs (by size and MD5/ETag), verify each object, retry with backoff.')
    .argument('<dir>', 'output folder of agent tile')
    .argument('<target>', 's3://BUCKET/PREFIX')
    .option('--endpoint <url>', 'S3-compatible endpoint (default: AWS)')
    .option('--region <region>', 'region (default: AWS_REGION or us-east-1)')
    .option('--path-style', 'path-style bucket URLs (most S3-compatible stores)', false)
    .option('--concurrency <n>', 'uploads at once', positiveInt('concurrency'), 16)
    .option('--delete', 'delete remote objects under the prefix that no longer exist locally', false)
    .option('--dry-run', 'print the plan and change nothing', false)
    .option('--base-url <url>', 'publish under this base URL: info.json, manifests and collection are rewritten as they are uploaded; tiles are untouched')
    .option('--json', 'print one JSON report on stdout', false)
    .addHelpText(
      'after',
      `
Credentials come from the AWS SDK's default chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, SSO).
Examples:
  agent sync out s3://my-bucket/iiif --base-url https://my-bucket.s3.amazonaws.com/iiif
  agent sync out s3://iiif/scans --endpoint http://127.0.0.1:9000 --path-style --delete --dry-run`,
    )
    .action(async (dir: string, target: string, flags: Record<string, unknown>) => {
      s3Target(target);
      if (!existsSync(dir)) throw new UsageError(`${dir}: no such folder`);
      let baseUrl: string | undefined;
      if (typeof flags.baseUrl === 'string') {
        try {
          baseUrl = normaliseBaseUrl(flags.baseUrl);
        } catch (err) {
          throw new UsageError(`--${(err as Error).message}`);
        }
      }
      const json = flags.json === true;
      // Commands load their modules when run: the AWS SDK alone takes ~0.3 s to load.
      const { runSync } = await import('./commands/sync.ts');
      const report = await runSync(dir, target, {
        ...s3Flags(flags),
        concurrency: Number(flags.concurrency),
        delete: flags.delete === true,
        dryRun: flags.dryRun === true,
        baseUrl,
        onProgress: json || !process.stderr.isTTY ? undefined : (p) => process.stderr.write(`\r${p.done}/${p.total} objects, ${(p.bytes / 1e6).toFixed(1)} MB${p.failed ? `, ${p.failed} failed` : ''}   `),
      });
      if (json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else {
        if (process.stderr.isTTY) process.stderr.write('\n');
        const t = report.totals;
        if (report.dry_run) {
          for (const k of report.plan.upload) process.stdout.write(`upload  ${k}\n`);
          for (const k of report.plan.delete) process.stdout.write(`delete  ${k}\n`);
        }
        for (const f of report.failures) process.stderr.write(`failed  ${f.key}: ${f.error}\n`);
        process.stderr.write(
          `${report.dry_run ? 'dry run: would upload' : 'uploaded'} ${report.dry_run ? report.plan.upload.length : t.uploaded}, ${t.skipped} unchanged, ${report.dry_run ? report.plan.delete.length : t.deleted} ${report.dry_run ? 'to delete' : 'deleted'}, ${t.failed} failed, ${(t.bytes / 1e6).toFixed(1)} MB in ${t.seconds}s\n`,
        );
      }
      setExit(report.totals.failed > 0 ? EXIT_FAILURES : EXIT_OK);
    });
}

function isOrigin(value: string): boolean {
  try {
    return new URL(value).origin === value;
  } catch {
    return false;
  }
}

function s3Command(program: Command): void {
  const s3 = program.command('s3').description('S3 bucket set-up.');
  s3.command('cors')
    .description('Set the CORS rules viewers (GET/HEAD from anywhere) and the browser app (PUT/POST/DELETE, ETag exposed) need.')
    .argument('<bucket>', 's3://BUCKET')
    .option('--origin <origin>', 'origin allowed to upload (the web app), e.g. https://tessella.example.org', '*')
    .option('--endpoint <url>', 'S3-compatible endpoint')
    .option('--region <region>', 'region')
    .option('--path-style', 'path-style bucket URLs', false)
    .action(async (bucket: string, flags: Record<string, unknown>) => {
      s3Target(bucket);
      const { setBucketCors } = await import('./commands/s3-cors.ts');
      const rules = await setBucketCors(bucket, { ...s3Flags(flags), origin: String(flags.origin) });
      process.stdout.write(`${JSON.stringify(rules, null, 2)}\n`);
    });
  s3.command('presign')
    .description("Hand out presigned URLs to the web app's Upload panel (its Presign URL mode), so that no credentials reach the browser.")
    .argument('<target>', 's3://BUCKET/PREFIX: every key the browser asks for is kept under PREFIX')
    .option('-p, --port <port>', 'port', nonNegativeInt('port'), 8787)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--origin <origin>', 'origin of the web app allowed to ask (CORS), or * for any', DEFAULT_PRESIGN_ORIGIN)
    .option('--endpoint <url>', 'S3-compatible endpoint')
    .option('--region <region>', 'region')
    .option('--path-style', 'path-style bucket URLs', false)
    .option('--expires <seconds>', 'lifetime of each presigned URL', positiveInt('expires'), 900)
    .option('--allow-delete', 'hand out DELETE URLs too (the Upload panel never deletes)', false)
    .addHelpText(
      'after',
      `
Credentials come from the AWS SDK's default chain and stay in this process. Whoever can reach the
server can write under PREFIX: it listens on 127.0.0.1 unless --host says otherwise.
Example:
  agent s3 presign s3://my-bucket/iiif --origin https://tessella.example.org`,
    )
    .action(async (target: string, flags: Record<string, unknown>) => {
      s3Target(target);
      const origin = String(flags.origin).replace(/\/+$/, '');
      if (origin !== '*' && !isOrigin(origin)) throw new UsageError(`--origin: expected * or an origin such as https://tessella.example.org, got "${origin}"`);
      if (Number(flags.expires) > MAX_EXPIRES) throw new UsageError(`--expires: at most ${MAX_EXPIRES} seconds (7 days)`);
      const { startPresignServer } = await import('./commands/s3-presign.ts');
      const server = await startPresignServer(target, {
        ...s3Flags(flags),
        port: Number(flags.port),
        host: String(flags.host),
        origin,
        expires: Number(flags.expires),
        allowDelete: flags.allowDelete === true,
      });
      process.stderr.write(`Presigning for ${target} at ${server.url} (origin ${origin}). Ctrl-C to stop.\n`);
      await new Promise(() => undefined);
    });
  s3.exitOverride();
  for (const c of s3.commands) c.exitOverride();
}

function serveCommand(program: Command): void {
  program
    .command('serve')
    .description('Serve an output folder at /iiif/ with CORS, and a page at / that opens each image in OpenSeadragon.')
    .argument('<dir>', 'output folder of agent tile')
    .option('-p, --port <port>', 'port', positiveInt('port'), 8080)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .action(async (dir: string, flags: { port: number; host: string }) => {
      const { serve } = await import('./commands/serve.ts');
      const server = await serve(dir, { port: flags.port, host: flags.host });
      process.stderr.write(`Serving ${dir} at ${server.url} (IIIF under ${server.url}iiif/). Ctrl-C to stop.\n`);
      await new Promise(() => undefined);
    });
}

function validateCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('validate')
    .description('Check an output folder as viewers and validators would: info.json level-0 rules, every tile URL OpenSeadragon and Mirador ask for, manifests.')
    .argument('<dir>', 'output folder of agent tile')
    .option('--schema <file>', 'also validate manifests and the collection with this IIIF Presentation 3 JSON schema (Ajv)')
    .option('--json', 'print the report as JSON', false)
    .action(async (dir: string, flags: { schema?: string; json: boolean }) => {
      const { validateFolder, formatValidation } = await import('./commands/validate.ts');
      const report = await validateFolder(dir, { schema: flags.schema });
      if (flags.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else process.stdout.write(formatValidation(report));
      setExit(report.problems.length > 0 ? EXIT_FAILURES : EXIT_OK);
    });
}

function demoCommand(program: Command): void {
  program
    .command('demo')
    .description('Tile the built-in sample image and serve it (what `npm run demo` runs).')
    .option('-p, --port <port>', 'port', positiveInt('port'), Number(process.env.PORT ?? 8080))
    .option('-o, --out <dir>', 'output folder', 'out/demo')
    .action(async (flags: { port: number; out: string }) => {
      const { demo } = await import('./commands/demo.ts');
      await demo({ port: flags.port, out: flags.out });
      await new Promise(() => undefined);
    });
}

export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('agent')
    .description('Tessella agent: IIIF level-0 tiles from high-resolution images, headless.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  tileCommand(program, setExit);
  syncCommand(program, setExit);
  s3Command(program);
  serveCommand(program);
  validateCommand(program, setExit);
  demoCommand(program);
  for (const c of program.commands) c.exitOverride();
  return program;
}

export async function main(argv: string[]): Promise<number> {
  let code = EXIT_OK;
  const program = buildProgram((c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT_OK;
      return EXIT_USAGE;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`error: ${err.message}\n`);
      return EXIT_USAGE;
    }
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_FAILURES;
  }
}
