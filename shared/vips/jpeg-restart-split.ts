// Cut one JPEG of a row of tiles into one JPEG per tile, without decoding anything.
//
// The row is encoded once with a restart marker at the end of every tile's MCU row (restart
// interval = MCUs across one tile). Each stretch between markers then belongs to exactly one
// tile, is byte-aligned, and starts with fresh DC prediction, so a tile's file is the row's
// header (with the tile's size in SOF) followed by its own stretches, renumbered RST0..7.
// The tiles decode to exactly the pixels a tile-by-tile encode gives; only the Huffman tables
// (shared by the row) and the markers differ. One encode per row instead of one per tile saves
// libvips' fixed cost per call, which in wasm is as large as the encode of a tile itself.

const MARKER = 0xff;
const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
const DRI = 0xdd;
const RST0 = 0xd0;
/** Baseline, extended and progressive Huffman SOF markers (only baseline is expected). */
const SOF_MARKERS = new Set([0xc0, 0xc1, 0xc2]);

export interface RowLayout {
  /** Tiles across the row, all `tileWidth` wide. */
  tiles: number;
  tileWidth: number;
  height: number;
}

export interface McuSize {
  width: number;
  height: number;
}

/** The MCU of a JPEG with these maximum sampling factors. */
export function mcuOf(hMax: number, vMax: number): McuSize {
  return { width: 8 * hMax, height: 8 * vMax };
}

/** MCUs in one tile's MCU row: the restart interval to encode the row with. */
export function restartInterval(tileWidth: number, mcu: McuSize): number | undefined {
  return tileWidth % mcu.width === 0 ? tileWidth / mcu.width : undefined;
}

interface Header {
  /** Everything from SOI to the end of the SOS segment. */
  bytes: Uint8Array;
  /** Offset of the SOF segment's marker in `bytes`. */
  sofAt: number;
  mcu: McuSize;
  restartInterval: number;
  /** Where the entropy-coded data starts in the source. */
  scanStart: number;
}

function readHeader(jpeg: Uint8Array): Header {
  if (jpeg[0] !== MARKER || jpeg[1] !== SOI) throw new Error('not a JPEG');
  let p = 2;
  let sofAt = -1;
  let mcu: McuSize | undefined;
  let interval = 0;
  for (;;) {
    if (p + 4 > jpeg.length || jpeg[p] !== MARKER) throw new Error('malformed JPEG header');
    const marker = jpeg[p + 1]!;
    const length = (jpeg[p + 2]! << 8) | jpeg[p + 3]!;
    if (SOF_MARKERS.has(marker)) {
      if (marker !== 0xc0) throw new Error('only baseline JPEG rows can be split');
      sofAt = p;
      const components = jpeg[p + 9]!;
      let hMax = 1;
      let vMax = 1;
      for (let c = 0; c < components; c++) {
        const factors = jpeg[p + 11 + c * 3]!;
        hMax = Math.max(hMax, factors >> 4);
        vMax = Math.max(vMax, factors & 15);
      }
      mcu = mcuOf(hMax, vMax);
    } else if (marker === DRI) {
      interval = (jpeg[p + 4]! << 8) | jpeg[p + 5]!;
    }
    p += 2 + length;
    if (marker === SOS) break;
  }
  if (sofAt < 0 || !mcu) throw new Error('JPEG without a frame header');
  return { bytes: jpeg.subarray(0, p), sofAt, mcu, restartInterval: interval, scanStart: p };
}

/** The entropy-coded stretches between restart markers (and the final EOI), in order. */
function restartStretches(jpeg: Uint8Array, start: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let from = start;
  let p = start;
  for (;;) {
    p = jpeg.indexOf(MARKER, p);
    if (p < 0 || p + 1 >= jpeg.length) throw new Error('JPEG scan without an end');
    const next = jpeg[p + 1]!;
    if (next === 0x00 || next === MARKER) {
      // A stuffed data byte, or fill bytes before a marker.
      p += next === 0x00 ? 2 : 1;
      continue;
    }
    out.push(jpeg.subarray(from, p));
    if (next === EOI) return out;
    if ((next & 0xf8) !== RST0) throw new Error(`unexpected marker 0xff${next.toString(16)} in the scan`);
    from = p += 2;
  }
}

/**
 * Split the JPEG of a row of `layout.tiles` tiles, encoded with a restart interval of one tile's
 * MCU row, into one complete JPEG per tile (left to right).
 */
export function splitRowJpeg(jpeg: Uint8Array, layout: RowLayout): Uint8Array[] {
  const header = readHeader(jpeg);
  const perRow = restartInterval(layout.tileWidth, header.mcu);
  if (perRow === undefined || header.restartInterval !== perRow) {
    throw new Error(`restart interval ${header.restartInterval} does not match tiles ${layout.tileWidth} px wide`);
  }
  const mcuRows = Math.ceil(layout.height / header.mcu.height);
  const stretches = restartStretches(jpeg, header.scanStart);
  if (stretches.length !== mcuRows * layout.tiles) {
    throw new Error(`found ${stretches.length} restart intervals, expected ${mcuRows * layout.tiles}`);
  }

  // The tile's header: the row's, with the tile's width and height in SOF.
  const head = header.bytes.slice();
  head[header.sofAt + 5] = layout.height >> 8;
  head[header.sofAt + 6] = layout.height & 0xff;
  head[header.sofAt + 7] = layout.tileWidth >> 8;
  head[header.sofAt + 8] = layout.tileWidth & 0xff;

  const tiles: Uint8Array[] = [];
  for (let t = 0; t < layout.tiles; t++) {
    let size = head.length + 2 * mcuRows; // a marker after every stretch (RSTn, EOI last)
    for (let r = 0; r < mcuRows; r++) size += stretches[r * layout.tiles + t]!.length;
    const out = new Uint8Array(size);
    out.set(head);
    let p = head.length;
    for (let r = 0; r < mcuRows; r++) {
      const s = stretches[r * layout.tiles + t]!;
      out.set(s, p);
      p += s.length;
      out[p++] = MARKER;
      out[p++] = r === mcuRows - 1 ? EOI : RST0 + (r % 8);
    }
    tiles.push(out);
  }
  return tiles;
}
