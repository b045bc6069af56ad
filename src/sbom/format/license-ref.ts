/**
 * `LicenseRef-` identifiers for license names that are not SPDX expressions, shared by the
 * SPDX and CycloneDX serializers so both documents name a license the same way.
 * @module
 */
import { createHash } from 'node:crypto';
import type { License } from '../model.js';

/**
 * Assigns every license name among `licenses` an SPDX `LicenseRef-` identifier, unique within
 * one document.
 *
 * A name made only of the characters SPDX allows in an id (letters, digits, `.` and `-`) keeps
 * its spelling: `Proprietary` becomes `LicenseRef-Proprietary`. Any other name, and any name
 * whose id would meet another one when compared without case (SPDX matches ids
 * case-insensitively), including a `LicenseRef-` that an expression among `licenses` already
 * uses, becomes its sanitized spelling followed by a hash of the verbatim name, so two names
 * never share an id. The verbatim name travels beside the id (SPDX `hasExtractedLicensingInfos`,
 * CycloneDX properties), so nothing is lost.
 */
export function licenseRefIds(licenses: Iterable<License>): Map<string, string> {
  const all = [...licenses];
  const names = unique(all.flatMap((l) => ('name' in l ? [l.name] : []))).sort(compareStrings);
  const taken = new Map<string, number>();
  const claim = (id: string): void => {
    taken.set(id.toLowerCase(), (taken.get(id.toLowerCase()) ?? 0) + 1);
  };
  for (const ref of expressionLicenseRefs(all)) claim(ref);
  for (const name of names) claim(`LicenseRef-${idString(name)}`);

  const refs = new Map<string, string>();
  for (const name of names) {
    const sanitized = idString(name);
    const keepsSpelling = name !== '' && sanitized === name && taken.get(`licenseref-${name.toLowerCase()}`) === 1;
    if (keepsSpelling) {
      refs.set(name, `LicenseRef-${name}`);
    } else {
      const stem = sanitized.replace(/^-+|-+$/g, '');
      refs.set(name, `LicenseRef-${stem === '' ? '' : `${stem}-`}${sha256(name).slice(0, 8)}`);
    }
  }
  return refs;
}

/** The document-local `LicenseRef-` ids that expressions use (not those of other documents). */
export function expressionLicenseRefs(licenses: readonly License[]): string[] {
  const refs = licenses.flatMap((l) => ('expression' in l ? [...l.expression.matchAll(/(?<![\w.:-])LicenseRef-[A-Za-z0-9.-]+/g)] : []));
  return unique(refs.map((match) => match[0])).sort(compareStrings);
}

/** Letters, digits, `.` and `-` are all SPDX allows in an id; every other run becomes one `-`. */
export function idString(text: string): string {
  return text.replace(/[^A-Za-z0-9.-]+/g, '-');
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Code-unit order: the same on every machine, unlike `localeCompare`. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
