// An S3 client for the agent: credentials from the AWS SDK's default chain (environment,
// profile, SSO; never printed), checksums only where required (S3-compatible stores mishandle
// aws-chunked uploads), our own retries (the SDK's are off), keep-alive sockets for many small files.

import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { S3Client } from '@aws-sdk/client-s3';

export interface S3ConnectionOptions {
  endpoint?: string;
  region?: string;
  pathStyle?: boolean;
  concurrency?: number;
}

// The SDK warns on every run that its releases from 2027 will need Node 22; the lock file pins
// a version that supports this Node, and the warning is noise in a CLI's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export function makeS3Client(o: S3ConnectionOptions): S3Client {
  const sockets = Math.max(8, o.concurrency ?? 16);
  return new S3Client({
    endpoint: o.endpoint,
    region: o.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    forcePathStyle: o.pathStyle ?? false,
    maxAttempts: 1,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: {
      connectionTimeout: 5_000,
      requestTimeout: 60_000,
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets: sockets }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: sockets }),
    },
  });
}
