// Defaults of `agent s3 presign`, apart from its server so that the CLI can show them without
// loading the AWS SDK (which takes a few hundred ms on every start).

/** The origin of `npm start`: the web app as a curator runs it locally. */
export const DEFAULT_PRESIGN_ORIGIN = 'http://localhost:5173';
/** SigV4 presigned URLs live at most a week. */
export const MAX_EXPIRES = 604_800;
