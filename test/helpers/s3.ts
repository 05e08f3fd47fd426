// A real S3-compatible server for tests (s3rver in its own process, in a temp folder, on a free
// loopback port) and a fault-injecting loopback proxy in front of it: SlowDown 503s, connections
// reset mid-request or mid-response, AccessDenied for chosen keys, corrupted bodies and ETags.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, type IncomingMessage, type ServerResponse, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const S3RVER_BIN = join(ROOT, 'node_modules', 's3rver', 'bin', 's3rver.js');

/** s3rver's fixed credentials; every process talking to it needs them in its environment. */
export const S3RVER_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };

// A bucket needs a config file to be created at start; this one is harmless (GET from anywhere).
const STARTUP_CORS = `<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>`;

export interface S3Server {
  /** http://127.0.0.1:PORT */
  endpoint: string;
  /** The folder s3rver stores buckets in. */
  dir: string;
  stop(): Promise<void>;
}

/** Start s3rver with these buckets; resolves once it listens (it picks a free port itself). */
export async function startS3rver(buckets: string[]): Promise<S3Server> {
  const dir = mkdtempSync(join(tmpdir(), 'tessella-s3rver-'));
  const cors = join(dir, 'cors.xml');
  writeFileSync(cors, STARTUP_CORS);
  const args = ['--openssl-legacy-provider', S3RVER_BIN, '-d', join(dir, 'data'), '-p', '0', '-a', '127.0.0.1', '--silent'];
  for (const b of buckets) args.push('--configure-bucket', b, cors);
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const port = await new Promise<number>((done, fail) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => fail(new Error(`s3rver did not start: ${out}${err}`)), 30_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on [\d.]+:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        done(Number(m[1]));
      }
    });
    child.stderr!.on('data', (d) => (err += d));
    child.on('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`s3rver exited with ${code}: ${out}${err}`));
    });
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    dir,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((done) => child.once('exit', done));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type Fault = 'slowdown' | 'reset-request' | 'reset-response' | 'deny' | 'corrupt-body' | 'corrupt-etag';

export interface ProxyRequest {
  method: string;
  bucket: string;
  /** Object key (decoded), '' for bucket-level requests. */
  key: string;
}

export interface ProxyOptions {
  /** Share of requests (0-1) given a random fault from `faults`. */
  failRate?: number;
  /** Kinds of random fault; default SlowDown and both kinds of reset. */
  faults?: Fault[];
  /** Seed of the PRNG that decides which requests fail and how. */
  seed?: number;
  /** Wait this long before handling each request (to slow a sync down). */
  delayMs?: number;
  /** A fault for particular requests, decided before the random ones (e.g. deny one key). */
  rule?(req: ProxyRequest): Fault | undefined;
}

export interface FaultProxy {
  endpoint: string;
  /** How many requests came in, were forwarded to the server, and got each fault. */
  counts: Record<Fault | 'requests' | 'forwarded', number>;
  stop(): Promise<void>;
}

/** mulberry32: a small seeded PRNG, so a run's sequence of faults is reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function s3Error(res: ServerResponse, status: number, code: string, message: string): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>FAULTPROXY</RequestId></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((done, fail) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => done(Buffer.concat(chunks)));
    req.on('error', fail);
  });
}

function parseRequest(req: IncomingMessage): ProxyRequest {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  const [, bucket = '', ...rest] = path.split('/');
  return { method: req.method ?? 'GET', bucket: decodeURIComponent(bucket), key: decodeURIComponent(rest.join('/')) };
}

/** A loopback proxy to `upstream` (an s3rver endpoint) that misbehaves as configured. */
export async function startFaultProxy(upstream: string, opts: ProxyOptions = {}): Promise<FaultProxy> {
  const target = new URL(upstream);
  const random = prng(opts.seed ?? 1);
  const kinds: Fault[] = opts.faults ?? ['slowdown', 'reset-request', 'reset-response'];
  const counts: FaultProxy['counts'] = { requests: 0, forwarded: 0, slowdown: 0, 'reset-request': 0, 'reset-response': 0, deny: 0, 'corrupt-body': 0, 'corrupt-etag': 0 };
  const upstreamAgent = new Agent({ keepAlive: true, maxSockets: 64 });

  const pick = (r: ProxyRequest): Fault | undefined => {
    const ruled = opts.rule?.(r);
    if (ruled) return ruled;
    // Draw both numbers for every request, so the sequence does not depend on the rule.
    const fail = random() < (opts.failRate ?? 0);
    const kind = kinds[Math.floor(random() * kinds.length)]!;
    return fail ? kind : undefined;
  };

  const forward = (req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> =>
    new Promise((done, fail) => {
      // The Host header is passed on unchanged: the client signed it.
      const up = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent: upstreamAgent }, (res) => {
        readBody(res).then((b) => done({ status: res.statusCode ?? 502, headers: { ...res.headers }, body: b }), fail);
      });
      up.on('error', fail);
      up.end(body);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    counts.requests++;
    const fault = pick(parseRequest(req));
    if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
    if (fault === 'reset-request') {
      // Drop the connection while the request is still coming in (or just after its headers).
      counts[fault]++;
      const hasBody = Number(req.headers['content-length'] ?? 0) > 0 && !req.readableEnded;
      if (hasBody) req.once('data', () => req.socket.destroy());
      else req.socket.destroy();
      return;
    }
    let body = await readBody(req);
    if (fault === 'slowdown') {
      counts[fault]++;
      return s3Error(res, 503, 'SlowDown', 'Please reduce your request rate.');
    }
    if (fault === 'deny') {
      counts[fault]++;
      return s3Error(res, 403, 'AccessDenied', 'Access Denied');
    }
    const corruptBody = fault === 'corrupt-body' && req.method === 'PUT' && body.length > 0;
    if (corruptBody) {
      counts['corrupt-body']++;
      body = Buffer.from(body);
      const at = body.length >> 1;
      body[at] = body[at]! ^ 0xff;
    }
    counts.forwarded++;
    const up = await forward(req, body);
    const headers = { ...up.headers };
    delete headers['transfer-encoding'];
    delete headers.connection;
    delete headers['keep-alive'];
    headers['content-length'] = String(up.body.length);
    if (fault === 'corrupt-etag' && req.method === 'PUT' && headers.etag) {
      counts['corrupt-etag']++;
      headers.etag = '"0123456789abcdef0123456789abcdef"';
    }
    if (fault === 'reset-response') {
      // The server did the work; the client never hears the end of the answer.
      counts[fault]++;
      if (up.body.length >= 2) {
        res.writeHead(up.status, headers);
        res.write(up.body.subarray(0, up.body.length >> 1), () => res.socket?.destroy());
      } else {
        res.socket?.write(`HTTP/1.1 ${up.status} OK\r\nContent-Le`, () => res.socket?.destroy());
      }
      return;
    }
    res.writeHead(up.status, headers);
    res.end(up.body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => req.socket.destroy());
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
      upstreamAgent.destroy();
    },
  };
}
