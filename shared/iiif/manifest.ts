// Presentation 3 manifests (one per image) and the collection of an output folder.

import { type TileFormat, mimeTypeOf } from '../options.ts';
import { type IiifVersion, maxPath, sizePath } from './geometry.ts';
import { embeddedService } from './info.ts';
import type { ImagePlan } from './plan.ts';

export const PRESENTATION_CONTEXT = 'http://iiif.io/api/presentation/3/context.json';
export const PRESENTATION_CONTENT_TYPE = `application/ld+json;profile="${PRESENTATION_CONTEXT}"`;

/** Descriptive metadata for one image, as given in a metadata file or the manifest editor. */
export interface ImageMetadata {
  label?: string;
  summary?: string;
  rights?: string;
  attribution?: string;
  /** Every other field, in order. */
  metadata?: Array<[string, string]>;
}

type LanguageMap = Record<string, string[]>;
const text = (value: string): LanguageMap => ({ none: [value] });

const RIGHTS_URI = /^https?:\/\/(creativecommons\.org\/(licenses|publicdomain)\/|rightsstatements\.org\/vocab\/)/;

/**
 * The `rights` value the Presentation 3 validator accepts: a Creative Commons or
 * RightsStatements.org URI over http. Anything else returns undefined (the caller keeps it as text).
 */
export function normaliseRights(value: string): string | undefined {
  const v = value.trim();
  if (!RIGHTS_URI.test(v)) return undefined;
  return v.replace(/^https:/, 'http:');
}

export interface ManifestInput {
  id: string;
  baseUrl: string;
  plan: ImagePlan;
  version: IiifVersion;
  format: TileFormat;
  metadata?: ImageMetadata;
}

export function serviceIdFor(baseUrl: string, id: string): string {
  return `${baseUrl}/${id}`;
}
export function manifestIdFor(baseUrl: string, id: string): string {
  return `${baseUrl}/${id}/manifest.json`;
}
export function collectionIdFor(baseUrl: string): string {
  return `${baseUrl}/collection.json`;
}

/** The size used as thumbnail: the largest listed size no bigger than 512 px, else the smallest. */
function thumbnailSize(plan: ImagePlan): { width: number; height: number } {
  const fitting = plan.sizes.filter((s) => s.width <= 512 && s.height <= 512);
  return fitting[fitting.length - 1] ?? plan.sizes[0] ?? plan.max;
}

/**
 * A thumbnail: a listed size, by its URL alone. Without a service block, clients use this URL
 * as it is; with one, Mirador builds its own URL from the service's sizes, and for an image
 * that fits one tile (its only size being the full size) that URL is `full//0/...`.
 */
export function thumbnailFor(input: ManifestInput): Record<string, unknown> {
  const service = serviceIdFor(input.baseUrl, input.id);
  const size = thumbnailSize(input.plan);
  return {
    id: `${service}/${sizePath(input.version, size, input.format)}`,
    type: 'Image',
    format: mimeTypeOf(input.format),
    width: size.width,
    height: size.height,
  };
}

export function buildManifest(input: ManifestInput): Record<string, unknown> {
  const { id, baseUrl, plan, version, format } = input;
  const md = input.metadata ?? {};
  const manifestId = manifestIdFor(baseUrl, id);
  const service = serviceIdFor(baseUrl, id);
  const canvasId = `${baseUrl}/${id}/canvas/1`;
  const pairs: Array<[string, string]> = [...(md.metadata ?? [])];
  const rights = md.rights ? normaliseRights(md.rights) : undefined;
  if (md.rights && !rights) pairs.push(['Rights', md.rights]);

  const manifest: Record<string, unknown> = {
    '@context': PRESENTATION_CONTEXT,
    id: manifestId,
    type: 'Manifest',
    label: text(md.label?.trim() || id),
  };
  if (md.summary) manifest.summary = text(md.summary);
  if (pairs.length > 0) manifest.metadata = pairs.map(([k, v]) => ({ label: text(k), value: text(v) }));
  if (rights) manifest.rights = rights;
  if (md.attribution) manifest.requiredStatement = { label: { en: ['Attribution'] }, value: text(md.attribution) };
  const thumbnail = [thumbnailFor(input)];
  manifest.thumbnail = thumbnail;
  manifest.items = [
    {
      id: canvasId,
      type: 'Canvas',
      label: text(md.label?.trim() || id),
      width: plan.image.width,
      height: plan.image.height,
      thumbnail,
      items: [
        {
          id: `${canvasId}/page/1`,
          type: 'AnnotationPage',
          items: [
            {
              id: `${canvasId}/page/1/annotation/1`,
              type: 'Annotation',
              motivation: 'painting',
              target: canvasId,
              body: {
                id: `${service}/${maxPath(version, format)}`,
                type: 'Image',
                format: mimeTypeOf(format),
                width: plan.max.width,
                height: plan.max.height,
                service: [embeddedService(service, plan, version, format)],
              },
            },
          ],
        },
      ],
    },
  ];
  return manifest;
}

export interface CollectionEntry {
  id: string;
  label: string;
  thumbnail?: Record<string, unknown>;
}

export function buildCollection(baseUrl: string, label: string, entries: CollectionEntry[]): Record<string, unknown> {
  return {
    '@context': PRESENTATION_CONTEXT,
    id: collectionIdFor(baseUrl),
    type: 'Collection',
    label: text(label),
    items: entries.map((e) => ({
      id: manifestIdFor(baseUrl, e.id),
      type: 'Manifest',
      label: text(e.label),
      ...(e.thumbnail ? { thumbnail: [e.thumbnail] } : {}),
    })),
  };
}
