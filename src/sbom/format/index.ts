/**
 * The SBOM output formats sealkit writes, by name, and the one entry point that turns an
 * {@link Sbom} into a document of any of them.
 * @module
 */
import { UsageError } from '../../errors.js';
import type { Sbom } from '../model.js';
import type { CycloneDxVersion } from './cyclonedx-bom.js';
import { encodeCycloneDxXml, serializeCycloneDxXml } from './cyclonedx-xml.js';
import { encodeCycloneDxJson, serializeCycloneDxJson } from './cyclonedx.js';
import { encodeSpdx3Json, serializeSpdx3Json } from './spdx3.js';
import { encodeSpdxJson, serializeSpdxJson } from './spdx.js';

/**
 * An SBOM output format: CycloneDX JSON or XML of spec 1.7, 1.6, 1.5 or 1.4 (`cyclonedx-json` and
 * `cyclonedx-xml` are 1.6, which most consumers read), SPDX 2.3 JSON (`spdx-json`) or SPDX 3.0.1
 * JSON-LD (`spdx3-json`).
 */
export type SbomFormat =
  | 'cyclonedx-json'
  | `cyclonedx-json@${CycloneDxVersion}`
  | 'cyclonedx-xml'
  | `cyclonedx-xml@${CycloneDxVersion}`
  | 'spdx-json'
  | 'spdx3-json';

/** Every {@link SbomFormat}, in the order help texts list them. */
export const SBOM_FORMATS: readonly SbomFormat[] = Object.freeze([
  'cyclonedx-json',
  'cyclonedx-json@1.7',
  'cyclonedx-json@1.6',
  'cyclonedx-json@1.5',
  'cyclonedx-json@1.4',
  'cyclonedx-xml',
  'cyclonedx-xml@1.7',
  'cyclonedx-xml@1.6',
  'cyclonedx-xml@1.5',
  'cyclonedx-xml@1.4',
  'spdx-json',
  'spdx3-json',
] as const);

/** The CycloneDX version a format name without one stands for. */
const DEFAULT_CYCLONEDX: CycloneDxVersion = '1.6';

type Resolved = { kind: 'cyclonedx-json' | 'cyclonedx-xml'; version: CycloneDxVersion } | { kind: 'spdx-json' | 'spdx3-json' };

/** What a format name asks for; FORMAT_UNSUPPORTED for a name the list lacks (a JavaScript caller's). */
function resolve(format: SbomFormat): Resolved {
  if (!SBOM_FORMATS.includes(format)) throw unsupported(String(format));
  if (format === 'spdx-json' || format === 'spdx3-json') return { kind: format };
  const [kind, version] = format.split('@') as ['cyclonedx-json' | 'cyclonedx-xml', CycloneDxVersion | undefined];
  return { kind, version: version ?? DEFAULT_CYCLONEDX };
}

/**
 * Reads a format name as a user typed it (surrounding spaces and case are ignored).
 * @throws {@link UsageError} `FORMAT_UNSUPPORTED`, naming the valid formats, for anything else.
 */
export function parseSbomFormat(text: string): SbomFormat {
  const wanted = text.trim().toLowerCase();
  const format = SBOM_FORMATS.find((candidate) => candidate === wanted);
  if (format === undefined) throw unsupported(text);
  return format;
}

/**
 * Serializes `sbom` in `format`: pretty JSON (or XML) with two-space indentation and a trailing
 * newline.
 * The same `sbom` always gives the same string: nothing depends on the clock, randomness or
 * the machine's locale, and every list is sorted.
 * @throws {@link UsageError} `FORMAT_UNSUPPORTED` for an unknown format; `INVALID_ARGUMENT`
 * when `sbom` is inconsistent (see the format serializers).
 */
export function serializeSbom(sbom: Sbom, format: SbomFormat): string {
  const resolved = resolve(format);
  switch (resolved.kind) {
    case 'cyclonedx-json':
      return serializeCycloneDxJson(sbom, resolved.version);
    case 'cyclonedx-xml':
      return serializeCycloneDxXml(sbom, resolved.version);
    case 'spdx-json':
      return serializeSpdxJson(sbom);
    case 'spdx3-json':
      return serializeSpdx3Json(sbom);
  }
}

/**
 * The UTF-8 bytes of {@link serializeSbom}`(sbom, format)`, for writing out: the same document,
 * encoded a piece at a time, so that the text (a few MiB, twice that as a string with any
 * character outside Latin-1) is never held whole. The CLI writes this.
 * @throws as {@link serializeSbom}
 */
export function encodeSbom(sbom: Sbom, format: SbomFormat): Buffer {
  const resolved = resolve(format);
  switch (resolved.kind) {
    case 'cyclonedx-json':
      return encodeCycloneDxJson(sbom, resolved.version);
    case 'cyclonedx-xml':
      return encodeCycloneDxXml(sbom, resolved.version);
    case 'spdx-json':
      return encodeSpdxJson(sbom);
    case 'spdx3-json':
      return encodeSpdx3Json(sbom);
  }
}

function unsupported(text: string): UsageError {
  return new UsageError('FORMAT_UNSUPPORTED', `unsupported SBOM format "${text}"; use one of: ${SBOM_FORMATS.join(', ')}`, {
    details: { format: text, supported: [...SBOM_FORMATS] },
  });
}
