// The built-in sample image: an imaginary topographic map made from vips generators only,
// so there is always something worth deep-zooming into without shipping a picture.
// Far out it shows coloured land and sea; close in, hill shading, contour lines, a coordinate
// grid and a zone plate whose rings only resolve at full resolution.
// Everything here is lazy: pixels are computed when the result is read (saved or tiled).

import type { Vips, VipsImage } from './vips/types.ts';

/** Elevation colours, by elevation 0-255 (sea level is 128): [elevation, r, g, b]. */
const PALETTE: Array<[number, number, number, number]> = [
  [0, 10, 28, 74],
  [100, 28, 86, 152],
  [126, 92, 168, 206],
  [128, 226, 212, 160],
  [140, 142, 186, 98],
  [172, 70, 128, 58],
  [200, 142, 122, 76],
  [226, 122, 108, 100],
  [242, 236, 236, 240],
  [255, 255, 255, 255],
];

/** One 256-entry colour table per band, linearly interpolated between the palette stops. */
function paletteBands(): number[][] {
  const bands: number[][] = [[], [], []];
  for (let e = 0; e < 256; e++) {
    const i = Math.max(0, PALETTE.findIndex(([stop]) => stop >= e) - 1);
    const [e0, ...c0] = PALETTE[i]!;
    const [e1, ...c1] = PALETTE[Math.min(i + 1, PALETTE.length - 1)]!;
    const t = e1 === e0 ? 0 : (e - e0) / (e1 - e0);
    for (let b = 0; b < 3; b++) bands[b]!.push(Math.round(c0[b]! + (c1[b]! - c0[b]!) * t));
  }
  return bands;
}

/**
 * One octave of noise. On big images, fine octaves repeat a small tile (Perlin noise wraps
 * seamlessly), far cheaper than computing every pixel; a period of 32+ cells goes unnoticed.
 */
function perlinLayer(vips: Vips, width: number, height: number, cell: number, seed: number, keep: (img: VipsImage) => VipsImage): VipsImage {
  const TILE = 1024;
  if (cell * 32 > TILE || Math.max(width, height) <= TILE) return vips.Image.perlin(width, height, { cell_size: cell, seed });
  const side = Math.floor(TILE / cell) * cell;
  const tile = keep(keep(vips.Image.perlin(side, side, { cell_size: cell, seed })).copyMemory());
  const across = Math.ceil(width / side);
  const down = Math.ceil(height / side);
  return keep(tile.replicate(across, down)).crop(0, 0, width, height);
}

/**
 * A `width` x `height` 8-bit sRGB image. The caller owns it and must `.delete()` it;
 * every intermediate is freed here (vips keeps what the result still needs alive).
 */
export function makeSampleImage(vips: Vips, width = 6000, height = 4000): VipsImage {
  const made: VipsImage[] = [];
  const keep = (img: VipsImage): VipsImage => {
    made.push(img);
    return img;
  };
  const I = vips.Image;
  try {
    // Terrain height, roughly -1..1: octaves of Perlin noise, cell sizes relative to the image
    // so the map looks alike at any size, down to cells of about 20 px for detail at full zoom.
    const base = Math.max(width, height) / 3;
    const octaves = [1, 0.5, 0.26, 0.12, 0.05].map((weight, i) => {
      const cell = Math.max(8, Math.round(base / 3.2 ** i));
      return keep(keep(perlinLayer(vips, width, height, cell, 11 + i, keep)).linear(weight, 0));
    });
    const terrain = keep(I.sum(octaves));

    // Elevation 0-255 with sea level at 128, coloured through the palette.
    const elevation = keep(keep(terrain.linear(120, 128)).cast('uchar'));
    const palette = paletteBands().map((band) => keep(I.newFromArray(band)));
    const lut = keep(keep(palette[0]!.bandjoin([palette[1]!, palette[2]!])).cast('uchar'));
    const colour = keep(elevation.maplut(lut));

    // Hill shading from the height gradient, light from the top left; the sea stays flat.
    const slope = keep(terrain.conv(keep(I.newMatrix(3, 3, [-1, 0, 0, 0, 0, 0, 0, 0, 1]))));
    const land = keep(elevation.moreEq(128));
    const shade = keep(land.ifthenelse(keep(slope.linear(-24, 1)), 1));
    const shaded = keep(colour.multiply(shade));

    // Contour lines on land: 1 px where the elevation, in steps of 6, changes between neighbours.
    const step = keep(keep(elevation.linear(1 / 6, 0)).floor());
    const across = keep(keep(step.conv(keep(I.newMatrix(3, 3, [0, 0, 0, 0, 1, -1, 0, 0, 0])))).abs());
    const down = keep(keep(step.conv(keep(I.newMatrix(3, 3, [0, 0, 0, 0, 1, 0, 0, -1, 0])))).abs());
    const contour = keep(keep(keep(across.add(down)).more(0)).and(land));
    const withContours = keep(contour.ifthenelse([70, 52, 36], shaded, { blend: false }));

    // A faint 1 px grid every 250 px, a stronger one every 1000 px.
    const xy = keep(I.xyz(width, height));
    const x = keep(xy.extractBand(0));
    const y = keep(xy.extractBand(1));
    const onLine = (every: number): VipsImage =>
      keep(keep(keep(x.remainder(every)).equal(0)).or(keep(keep(y.remainder(every)).equal(0))));
    const minor = keep(onLine(250).ifthenelse(0.8, 1));
    const major = keep(onLine(1000).ifthenelse(0.55, 1));
    const gridded = keep(keep(withContours.multiply(minor)).multiply(major));

    // A zone plate inset at the bottom right, framed in white.
    const side = Math.round(Math.min(width, height) / 4);
    const frame = Math.max(2, Math.round(side / 60));
    const zone = keep(keep(I.zone(side, side)).linear(127.5, 127.5));
    const zoneRgb = keep(keep(zone.bandjoin([zone, zone])).cast('uchar'));
    const framed = keep(zoneRgb.embed(frame, frame, side + 2 * frame, side + 2 * frame, { extend: 'white' }));
    const margin = Math.round(side / 8);
    const withZone = keep(
      keep(gridded.cast('uchar')).insert(framed, width - side - 2 * frame - margin, height - side - 2 * frame - margin),
    );

    // Keep the result alive past the cleanup below, then tag it as sRGB.
    return withZone.copy({ interpretation: 'srgb' });
  } finally {
    for (const img of made.reverse()) img.delete();
  }
}
