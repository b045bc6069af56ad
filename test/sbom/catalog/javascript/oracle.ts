/**
 * Helpers shared by the JavaScript lockfile tests: loading a fixture folder, describing a
 * cataloger's result as `name@version` strings, and the development-only packages pnpm 6.0
 * itself recorded for the fixture project (`dev: true`), which every package manager's lockfile of
 * the same project must agree with.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { CatalogResult } from '../../../../src/sbom/catalog/cataloger.js';

export const FIXTURES = join(import.meta.dirname, '../../../../fixtures/catalog/javascript');

/** `name@version` of every package, sorted, and those marked dev. */
export function describe(result: CatalogResult): { packages: string[]; dev: string[]; edges: Set<string>; byRef: Map<string, string> } {
  const byRef = new Map<string, string>();
  for (const p of result.packages) byRef.set(p.ref, `${p.name}@${p.version}`);
  for (const p of result.projects ?? []) byRef.set(p.ref, `project:${p.name}`);
  return {
    packages: result.packages.map((p) => `${p.name}@${p.version}`).sort(),
    dev: result.packages.filter((p) => p.dev === true).map((p) => `${p.name}@${p.version}`).sort(),
    edges: new Set(result.relationships.map((r) => `${byRef.get(r.from)} -> ${byRef.get(r.to)} ${r.type}`)),
    byRef,
  };
}

/** The packages pnpm 6.0 marked `dev: true` in the fixture project's lockfile. */
export function pnpmV6DevPackages(): string[] {
  const lock = parse(readFileSync(join(FIXTURES, 'pnpm-v6/pnpm-lock.yaml'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  return Object.entries(lock.packages)
    .filter(([, entry]) => entry.dev === true)
    .map(([key]) => key.slice(1).replace(/\(.*$/, ''))
    .sort();
}
