// Image sizes from the build manifest that `slipway build` writes (.slipway/build.json), so images cannot quietly grow.
import type { ImageSize } from '../types.js';
import { invalidReport, parseJson, readReport, type Collector } from './types.js';

interface ManifestEntry {
  component?: string;
  id?: string;
  image?: string;
  ref?: string;
  size?: number;
  bytes?: number;
  sizeBytes?: number;
}

/**
 * Accepts `{ components: { "<module>/<component>": { image, size } } }` or `{ images: [{ component, image, size }] }`
 * (also `bytes` or `sizeBytes`), so the manifest can grow fields without breaking the gate.
 */
export function parseBuildManifest(text: string): ImageSize[] {
  const json = parseJson('build manifest', text) as {
    components?: Record<string, ManifestEntry>;
    images?: ManifestEntry[];
  };
  const entries: [string, ManifestEntry][] = json.components
    ? Object.entries(json.components)
    : Array.isArray(json.images)
      ? json.images.map((e) => [e.component ?? e.id ?? '', e])
      : [];
  const sizes: ImageSize[] = [];
  for (const [component, entry] of entries) {
    const bytes = entry.size ?? entry.bytes ?? entry.sizeBytes;
    if (!component || typeof bytes !== 'number') continue;
    sizes.push({ component, image: entry.image ?? entry.ref ?? component, bytes });
  }
  if (entries.length === 0) {
    throw invalidReport('build manifest', 'it lists no component', 'rebuild with slipway build');
  }
  return sizes;
}

export const imagesCollector: Collector = {
  id: 'images',
  async collect(step) {
    const images = parseBuildManifest(await readReport(step, ''));
    if (images.length > 0) return { images };
    return {
      unavailable: [
        {
          collector: 'images',
          title: 'Image sizes',
          reason: 'the build manifest records no image size (`size` in bytes per component)',
        },
      ],
    };
  },
};
