/**
 * What Composer's installed packages (`vendor/composer/installed.json`) and its lockfile
 * (`composer.lock`) write the same way: a package's purl, its licenses and its links. One place, so that the
 * same package found both ways is one package.
 * @module
 */
import { normalizeLicense, normalizeSpdxExpression, uniqueLicenses } from '../../license.js';
import type { License } from '../../model.js';
import { buildPurl } from '../../purl.js';
import { isRecord } from '../../../util/is-record.js';

/**
 * `pkg:composer/<vendor>/<name>@<version>`. The version stays as Composer records it (`v1.8.1`):
 * that is the tag Packagist lists. Without a version (a root project that declares none), a purl
 * without one.
 */
export function composerPurl(name: string, version: string | undefined): string {
  const slash = name.indexOf('/');
  return slash > 0 && slash < name.length - 1
    ? buildPurl({ type: 'composer', namespace: name.slice(0, slash), name: name.slice(slash + 1), version })
    : buildPurl({ type: 'composer', name, version });
}

/**
 * Composer's `license`: one string, or an array meaning a choice between licenses (Composer's
 * schema: "disjunctive"). When every entry is an SPDX expression the choice becomes one
 * `… OR …` expression; otherwise each entry stays a license of its own.
 */
export function composerLicenses(value: unknown): License[] {
  const declared = (Array.isArray(value) ? value : [value]).filter((item): item is string => typeof item === 'string' && item.trim() !== '');
  const licenses = uniqueLicenses(declared.map(normalizeLicense));
  if (licenses.length < 2 || !licenses.every((license) => 'expression' in license)) return licenses;
  const joined = licenses.map((license) => `(${(license as { expression: string }).expression})`).join(' OR ');
  const expression = normalizeSpdxExpression(joined);
  return expression === undefined ? licenses : [{ expression }];
}

/** Package names of a link map (`require`, `replace`, `provide`), lowercased; platform packages (no vendor) left out. */
export function linkNames(links: unknown): string[] {
  if (!isRecord(links)) return [];
  return Object.keys(links)
    .map((name) => name.toLowerCase())
    .filter((name) => name.includes('/'));
}
