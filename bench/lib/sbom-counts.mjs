/**
 * Counts the packages of a CycloneDX document by ecosystem (deb, npm, pypi), each distinct
 * name and version once, so that two tools' documents can be compared however they nest,
 * qualify or duplicate components.
 * @module
 */
import { readFileSync } from 'node:fs';

const ECOSYSTEMS = ['deb', 'npm', 'pypi'];

/**
 * @param {string} file a CycloneDX JSON document
 * @returns {Record<'deb' | 'npm' | 'pypi', number>}
 */
export function countPackages(file) {
  const document = JSON.parse(readFileSync(file, 'utf8'));
  const seen = Object.fromEntries(ECOSYSTEMS.map((ecosystem) => [ecosystem, new Set()]));
  const visit = (components) => {
    for (const component of components ?? []) {
      const match = /^pkg:([^/]+)\/(.+?)@([^?#]+)/.exec(component.purl ?? '');
      if (match && seen[match[1]]) seen[match[1]].add(`${decodeURIComponent(match[2]).toLowerCase()}@${decodeURIComponent(match[3])}`);
      visit(component.components);
    }
  };
  visit(document.components);
  return Object.fromEntries(ECOSYSTEMS.map((ecosystem) => [ecosystem, seen[ecosystem].size]));
}
