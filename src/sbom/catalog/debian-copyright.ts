/**
 * Licenses of a Debian package from its `/usr/share/doc/<package>/copyright` file.
 * Machine-readable files (DEP-5, recognised by a `Format:` field in the first paragraph) give
 * them in `License:` fields; free-form files point at the texts in `/usr/share/common-licenses`.
 * @module
 */
import type { License } from '../model.js';
import { normalizeDebianLicense, uniqueLicenses } from '../license.js';
import { firstLineOf, parseDeb822 } from './deb822.js';

const COMMON_LICENSES = /\/usr\/share\/common-licenses\/([A-Za-z0-9][A-Za-z0-9.+_-]*)/g;
const LICENSE_LINE = /^License:[ \t]*(\S.*)$/gm;

/**
 * The distinct licenses a copyright file declares, in order of first mention. DEP-5 short names
 * are normalized with {@link normalizeDebianLicense}; a reference to
 * `/usr/share/common-licenses/GPL-2` names the license by the same short name.
 */
export function parseDebianCopyright(text: string): License[] {
  const names = isMachineReadable(text) ? dep5LicenseNames(text) : [];
  if (names.length === 0) names.push(...freeFormLicenseNames(text));
  return uniqueLicenses(names.map(normalizeDebianLicense));
}

function isMachineReadable(text: string): boolean {
  return /^Format:[ \t]*\S/m.test(text.slice(0, 4096)) && /^Format:/i.test(text.trimStart());
}

function dep5LicenseNames(text: string): string[] {
  const names: string[] = [];
  for (const paragraph of parseDeb822(text).paragraphs) {
    const name = firstLineOf(paragraph.get('license'));
    if (name !== undefined) names.push(name);
  }
  return names;
}

function freeFormLicenseNames(text: string): string[] {
  const names: string[] = [];
  for (const match of text.matchAll(LICENSE_LINE)) names.push((match[1] ?? '').trim());
  for (const match of text.matchAll(COMMON_LICENSES)) {
    // sentence punctuation right after the path is not part of the file name
    const name = (match[1] ?? '').replace(/[.]+$/, '');
    if (name !== '') names.push(name);
  }
  return names;
}
