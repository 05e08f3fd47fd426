// `agent s3 presign s3://BUCKET/PREFIX`: a small HTTP server that hands the web app presigned
// URLs (protocol in shared/sync/presign-protocol.ts), so the browser uploads without ever
// holding credentials. The credentials are the SDK's default chain, here; every key is kept
// under PREFIX; only the web app's origin may ask (CORS).

import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeleteObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { type PresignRequest, isBase64Md5, keyProblem } from '../../shared/sync/presign-protocol.ts';
import { type S3Target, keyFor, parseS3Url } from '../../shared/sync/s3.ts';
import { type S3ConnectionOptions, makeS3Client } from '../lib/s3-client.ts';

import { DEFAULT_PRESIGN_ORIGIN } from '../lib/presign-limits.ts';

export interface PresignOptions extends S3ConnectionOptions {
  /** Origin allowed to ask (the web app's), or '*' for any. */
  origin?: string;
  /** Lifetime of each presigned URL, in seconds. */
  expires?: number;
  /** Hand out DELETE URLs too (the Upload panel never deletes). */
  allowDelete?: boolean;
}

export interface PresignServerOptions extends PresignOptions {
  port?: number;
  host?: string;
}

export interface PresignServer {
  /** http://HOST:PORT/ */
  url: string;
  close(): Promise<void>;
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

const refuse = (error: string, status = 400): Answer => ({ status, body: { error } });

/** A header value the browser will send as given: printable, one line, not huge. */
function headerProblem(name: string, value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return `${name} must be a non-empty string`;
  if (value.length > 256) return `${name} is too long`;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return `${name} may hold printable ASCII only`;
  }
  return undefined;
}

/** The presigning itself, without HTTP: one request in, one answer out. */
export function makePresigner(s3url: string, opts: PresignOptions = {}, client: S3Client = makeS3Client(opts)) {
  const target: S3Target = parseS3Url(s3url);
  const keyPrefix = target.prefix ? `${target.prefix}/` : '';
  const expiresIn = opts.expires ?? 900;

  const answer = async (request: unknown): Promise<Answer> => {
    if (!request || typeof request !== 'object' || Array.isArray(request)) return refuse('expected a JSON object');
    const r = request as Partial<Record<string, unknown>> & { op?: PresignRequest['op'] };
    switch (r.op) {
      case 'list': {
        const prefix = r.prefix ?? '';
        const problem = keyProblem(prefix, { listing: true });
        if (problem) return refuse(`prefix ${JSON.stringify(prefix)}: ${problem}`);
        if (r.continuationToken !== undefined && typeof r.continuationToken !== 'string') return refuse('continuationToken must be a string');
        const maxKeys = r.maxKeys ?? 1000;
        if (!Number.isInteger(maxKeys) || (maxKeys as number) < 1 || (maxKeys as number) > 1000) return refuse('maxKeys must be a whole number from 1 to 1000');
        const command = new ListObjectsV2Command({
          Bucket: target.bucket,
          Prefix: keyPrefix + (prefix as string),
          ContinuationToken: r.continuationToken as string | undefined,
          MaxKeys: maxKeys as number,
        });
        return { status: 200, body: { url: await getSignedUrl(client, command, { expiresIn }), keyPrefix } };
      }
      case 'put': {
        const problem = keyProblem(r.key);
        if (problem) return refuse(`key ${JSON.stringify(r.key)}: ${problem}`);
        const headerError = headerProblem('contentType', r.contentType) ?? headerProblem('cacheControl', r.cacheControl);
        if (headerError) return refuse(headerError);
        if (!isBase64Md5(r.contentMd5)) return refuse('contentMd5 must be the base64 MD5 of the body');
        const headers = { 'Content-Type': r.contentType as string, 'Cache-Control': r.cacheControl as string, 'Content-MD5': r.contentMd5 };
        const command = new PutObjectCommand({
          Bucket: target.bucket,
          Key: keyFor(target, r.key as string),
          ContentType: headers['Content-Type'],
          CacheControl: headers['Cache-Control'],
          ContentMD5: headers['Content-MD5'],
        });
        // Content-Type and Cache-Control are left out of presigned signatures unless asked for:
        // signed, the object cannot be stored with other headers or other bytes than announced.
        const url = await getSignedUrl(client, command, { expiresIn, signableHeaders: new Set(['content-type', 'cache-control', 'content-md5']) });
        return { status: 200, body: { url, headers } };
      }
      case 'delete': {
        if (!opts.allowDelete) return refuse('deleting is not enabled on this server (--allow-delete)', 403);
        const problem = keyProblem(r.key);
        if (problem) return refuse(`key ${JSON.stringify(r.key)}: ${problem}`);
        const command = new DeleteObjectCommand({ Bucket: target.bucket, Key: keyFor(target, r.key as string) });
        return { status: 200, body: { url: await getSignedUrl(client, command, { expiresIn }) } };
      }
      default:
        return refuse(`unknown op ${JSON.stringify(r.op)}: expected list, put or delete`);
    }
  };
  return { target, answer, client };
}

const MAX_BODY = 16 * 1024;

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((done, fail) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => done(size > MAX_BODY ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', fail);
  });
}

export async function startPresignServer(s3url: string, opts: PresignServerOptions = {}): Promise<PresignServer> {
  const allowedOrigin = (opts.origin ?? DEFAULT_PRESIGN_ORIGIN).replace(/\/+$/, '');
  const presigner = makePresigner(s3url, opts);
  try {
    // Fail now, not on the first upload, when there are no credentials to sign with.
    await presigner.client.config.credentials();
  } catch (err) {
    presigner.client.destroy();
    throw new Error(`no AWS credentials to sign with (environment, AWS_PROFILE or SSO): ${(err as Error).message}`);
  }

  const send = (res: ServerResponse, a: Answer): void => {
    const body = JSON.stringify(a.body);
    // Presigned URLs grant access: never kept in a cache.
    res.writeHead(a.status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const origin = req.headers.origin;
    // No Origin: not a cross-origin browser request (curl, a script); those hold their own credentials anyway.
    const allowed = origin === undefined || allowedOrigin === '*' || origin === allowedOrigin;
    if (origin !== undefined && allowed) {
      res.setHeader('access-control-allow-origin', allowedOrigin === '*' ? '*' : origin);
      res.setHeader('vary', 'Origin');
    }
    if (!allowed) return send(res, refuse(`origin ${origin} may not ask this server (--origin ${allowedOrigin})`, 403));
    if (req.method === 'OPTIONS') {
      res.setHeader('access-control-allow-methods', 'POST');
      res.setHeader('access-control-allow-headers', 'content-type');
      res.setHeader('access-control-max-age', '600');
      // A page on a public origin asking a server on loopback (Chromium's Private Network Access).
      if (req.headers['access-control-request-private-network'] === 'true') res.setHeader('access-control-allow-private-network', 'true');
      res.writeHead(204);
      res.end();
      return;
    }
    if (req.method !== 'POST') return send(res, refuse('POST a JSON request (see the README)', 405));
    // JSON only: a browser then always sends a CORS preflight first, so other origins cannot even ask.
    if (!(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/json')) return send(res, refuse('expected Content-Type: application/json', 415));
    const text = await readBody(req);
    if (text === undefined) return send(res, refuse('request too large', 413));
    let request: unknown;
    try {
      request = JSON.parse(text);
    } catch {
      return send(res, refuse('the body is not JSON'));
    }
    send(res, await presigner.answer(request));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent) send(res, refuse(`could not presign: ${err.message}`, 500));
      else res.destroy();
    });
  });
  const host = opts.host ?? '127.0.0.1';
  try {
    await new Promise<void>((done, fail) => {
      server.once('error', fail);
      server.listen(opts.port ?? 8787, host, () => {
        server.off('error', fail);
        done();
      });
    });
  } catch (err) {
    presigner.client.destroy();
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
      presigner.client.destroy();
    },
  };
}
