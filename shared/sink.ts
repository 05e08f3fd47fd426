// Where tiles go. The tiler only knows these interfaces: a folder, OPFS, a zip or S3 sit behind them.

/** The output of one image while it is being made. Nothing is visible until commit(). */
export interface ImageWriter {
  put(path: string, bytes: Uint8Array, contentType: string): Promise<void> | void;
  /** Publish the image atomically: afterwards it is complete, or (on failure) it was never there. */
  commit(): Promise<void>;
  /** Throw away everything put so far. */
  abort(): Promise<void>;
}

/** A store of images, keyed by image id. */
export interface ImageSink {
  begin(id: string): Promise<ImageWriter>;
}

/**
 * Written with every image: what it was made from and how. A rerun compares it with the
 * source and options to skip images that are already complete.
 */
export interface ImageStamp {
  tool: string;
  source: { name: string; size: number; modified: number };
  /** The options that change the tile files or info.json. */
  options: Record<string, unknown>;
  width: number;
  height: number;
  levels: number;
  files: number;
  bytes: number;
}

export const STAMP_FILE = '.tessella.json';
