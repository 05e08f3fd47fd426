// info.json for a level-0 image service, Image API 3.0 (default) or 2.1.

import type { TileFormat } from '../options.ts';
import type { IiifVersion } from './geometry.ts';
import type { ImagePlan } from './plan.ts';

export const IMAGE_CONTEXT: Record<IiifVersion, string> = {
  3: 'http://iiif.io/api/image/3/context.json',
  2: 'http://iiif.io/api/image/2/context.json',
};
export const LEVEL0_V2_PROFILE = 'http://iiif.io/api/image/2/level0.json';

/** Content-Type for an info.json of that version. */
export function infoContentType(version: IiifVersion): string {
  return `application/ld+json;profile="${IMAGE_CONTEXT[version]}"`;
}

export type InfoJson = Record<string, unknown>;

export function buildInfoJson(serviceId: string, plan: ImagePlan, version: IiifVersion, format: TileFormat): InfoJson {
  const { image, tile } = plan;
  const tiles = [{ width: tile.width, height: tile.height, scaleFactors: plan.levels.map((l) => l.scale) }];
  const sizes = plan.sizes.map((s) => ({ width: s.width, height: s.height }));
  const cap = plan.max.capped ? { maxWidth: plan.max.width, maxHeight: plan.max.height } : {};
  if (version === 3) {
    return {
      '@context': IMAGE_CONTEXT[3],
      id: serviceId,
      type: 'ImageService3',
      protocol: 'http://iiif.io/api/image',
      profile: 'level0',
      width: image.width,
      height: image.height,
      ...cap,
      sizes,
      tiles,
      // jpg is the level-0 baseline; other formats are declared so that viewers ask for them.
      ...(format === 'jpg' ? {} : { preferredFormats: [format], extraFormats: [format] }),
    };
  }
  return {
    '@context': IMAGE_CONTEXT[2],
    '@id': serviceId,
    protocol: 'http://iiif.io/api/image',
    profile: [LEVEL0_V2_PROFILE, { formats: [format], qualities: ['default'] }],
    width: image.width,
    height: image.height,
    ...cap,
    sizes,
    tiles,
    // Not in 2.1, but OpenSeadragon reads it in any version; without it, it would ask for .jpg.
    ...(format === 'jpg' ? {} : { preferredFormats: [format] }),
  };
}

/**
 * The service block embedded in a manifest's painting body. Clients such as Mirador build
 * image URLs from its `sizes`, in its `preferredFormats` (jpg when absent), in any version.
 */
export function embeddedService(serviceId: string, plan: ImagePlan, version: IiifVersion, format: TileFormat): Record<string, unknown> {
  const sizes = plan.sizes.map((s) => ({ width: s.width, height: s.height }));
  const formats = format === 'jpg' ? {} : { preferredFormats: [format] };
  if (version === 3) {
    return { id: serviceId, type: 'ImageService3', profile: 'level0', width: plan.image.width, height: plan.image.height, sizes, ...formats };
  }
  return { '@id': serviceId, '@type': 'ImageService2', profile: LEVEL0_V2_PROFILE, width: plan.image.width, height: plan.image.height, sizes, ...formats };
}
