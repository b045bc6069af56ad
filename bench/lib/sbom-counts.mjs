/**
 * Counts the packages of a CycloneDX document by purl type (deb, npm, pypi, rpm, maven, golang,
 * gem), each distinct name and version once, so that two tools' documents can be compared however
 * they nest, qualify or duplicate components. A purl without a version counts under its name.
 * @module
 */
import { readFileSync } from 'node:fs';

/** The purl types counted, in the order reports print them. */
export const ECOSYSTEMS = ['deb', 'npm', 'pypi', 'rpm', 'maven', 'golang', 'gem'];

/**
 * @param {string} file a CycloneDX JSON document
 * @returns {Record<string, number>}
 */
export function countPackages(file) {
  const document = JSON.parse(readFileSync(file, 'utf8'));
  const seen = Object.fromEntries(ECOSYSTEMS.map((ecosystem) => [ecosystem, new Set()]));
  const visit = (components) => {
    for (const component of components ?? []) {
      const match = /^pkg:([^/]+)\/([^@?#]+)(?:@([^?#]+))?/.exec(component.purl ?? '');
      if (match && seen[match[1]]) seen[match[1]].add(`${decodeURIComponent(match[2]).toLowerCase()}@${decodeURIComponent(match[3] ?? '')}`);
      visit(component.components);
    }
  };
  visit(document.components);
  return Object.fromEntries(ECOSYSTEMS.map((ecosystem) => [ecosystem, seen[ecosystem].size]));
}
