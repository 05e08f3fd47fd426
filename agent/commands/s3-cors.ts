// `agent s3 cors s3://BUCKET`: the CORS rules that IIIF viewers (GET/HEAD from anywhere) and the
// browser app's uploads (PUT/POST/DELETE from its origin, with the ETag readable) need.

import { GetBucketCorsCommand, PutBucketCorsCommand, type CORSRule } from '@aws-sdk/client-s3';
import { parseS3Url } from '../../shared/sync/s3.ts';
import { type S3ConnectionOptions, makeS3Client } from '../lib/s3-client.ts';

export function corsRules(origin = '*'): CORSRule[] {
  return [
    { AllowedOrigins: ['*'], AllowedMethods: ['GET', 'HEAD'], AllowedHeaders: ['*'], MaxAgeSeconds: 3600 },
    { AllowedOrigins: [origin], AllowedMethods: ['PUT', 'POST', 'DELETE'], AllowedHeaders: ['*'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 3600 },
  ];
}

export async function setBucketCors(s3url: string, opts: S3ConnectionOptions & { origin?: string }): Promise<CORSRule[]> {
  const { bucket } = parseS3Url(s3url);
  const client = makeS3Client(opts);
  try {
    await client.send(new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: corsRules(opts.origin) } }));
    const now = await client.send(new GetBucketCorsCommand({ Bucket: bucket }));
    return now.CORSRules ?? [];
  } finally {
    client.destroy();
  }
}
