/**
 * The SBOM output formats sealkit writes, by name, and the one entry point that turns an
 * {@link Sbom} into a document of any of them.
 * @module
 */
import { UsageError } from '../../errors.js';
import type { Sbom } from '../model.js';
import { encodeCycloneDxJson, serializeCycloneDxJson } from './cyclonedx.js';
import { encodeSpdxJson, serializeSpdxJson } from './spdx.js';

/**
 * An SBOM output format: CycloneDX JSON of spec 1.6, 1.5 or 1.4 (`cyclonedx-json` is 1.6),
 * or SPDX 2.3 JSON.
 */
export type SbomFormat = 'cyclonedx-json' | 'cyclonedx-json@1.6' | 'cyclonedx-json@1.5' | 'cyclonedx-json@1.4' | 'spdx-json';

/** Every {@link SbomFormat}, in the order help texts list them. */
export const SBOM_FORMATS: readonly SbomFormat[] = Object.freeze([
  'cyclonedx-json',
  'cyclonedx-json@1.6',
  'cyclonedx-json@1.5',
  'cyclonedx-json@1.4',
  'spdx-json',
] as const);

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
 * Serializes `sbom` in `format`: pretty JSON with two-space indentation and a trailing newline.
 * The same `sbom` always gives the same string: nothing depends on the clock, randomness or
 * the machine's locale, and every list is sorted.
 * @throws {@link UsageError} `FORMAT_UNSUPPORTED` for an unknown format; `INVALID_ARGUMENT`
 * when `sbom` is inconsistent (see the format serializers).
 */
export function serializeSbom(sbom: Sbom, format: SbomFormat): string {
  switch (format) {
    case 'cyclonedx-json':
    case 'cyclonedx-json@1.6':
      return serializeCycloneDxJson(sbom, '1.6');
    case 'cyclonedx-json@1.5':
      return serializeCycloneDxJson(sbom, '1.5');
    case 'cyclonedx-json@1.4':
      return serializeCycloneDxJson(sbom, '1.4');
    case 'spdx-json':
      return serializeSpdxJson(sbom);
    default:
      // reachable from JavaScript callers, whom the type does not bind
      throw unsupported(String(format));
  }
}

/**
 * The UTF-8 bytes of {@link serializeSbom}`(sbom, format)`, for writing out: the same document,
 * encoded a piece at a time, so that the text (a few MiB, twice that as a string with any
 * character outside Latin-1) is never held whole. The CLI writes this.
 * @throws as {@link serializeSbom}
 */
export function encodeSbom(sbom: Sbom, format: SbomFormat): Buffer {
  switch (format) {
    case 'cyclonedx-json':
    case 'cyclonedx-json@1.6':
      return encodeCycloneDxJson(sbom, '1.6');
    case 'cyclonedx-json@1.5':
      return encodeCycloneDxJson(sbom, '1.5');
    case 'cyclonedx-json@1.4':
      return encodeCycloneDxJson(sbom, '1.4');
    case 'spdx-json':
      return encodeSpdxJson(sbom);
    default:
      throw unsupported(String(format));
  }
}

function unsupported(text: string): UsageError {
  return new UsageError('FORMAT_UNSUPPORTED', `unsupported SBOM format "${text}"; use one of: ${SBOM_FORMATS.join(', ')}`, {
    details: { format: text, supported: [...SBOM_FORMATS] },
  });
}
