/**
 * Reads the `npm ls --all --json` output recorded by the fixture script: the packages npm says
 * are installed and the dependency edges of its tree, as `name@version` strings.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CatalogResult } from '../../../src/sbom/catalog/cataloger.js';

interface LsNode {
  version?: string;
  resolved?: string;
  dependencies?: Record<string, LsNode>;
}

export interface NpmOracle {
  /** `name@version` of every package in the tree (the root project excluded). */
  packages: Set<string>;
  /** `name@version -> name@version` of every edge between two packages. */
  edges: Set<string>;
  /** `name@version` of packages npm links from the project (workspaces). */
  links: Set<string>;
}

export function readNpmLs(fixtures: string): NpmOracle {
  const root = JSON.parse(readFileSync(join(fixtures, 'npm.npm-ls.json'), 'utf8')) as LsNode;
  const oracle: NpmOracle = { packages: new Set(), edges: new Set(), links: new Set() };
  const visit = (parent: string | undefined, children: Record<string, LsNode> | undefined) => {
    for (const [name, node] of Object.entries(children ?? {})) {
      const id = `${name}@${node.version}`;
      oracle.packages.add(id);
      if (node.resolved?.startsWith('file:')) oracle.links.add(id);
      if (parent !== undefined) oracle.edges.add(`${parent} -> ${id}`);
      visit(id, node.dependencies);
    }
  };
  visit(undefined, root.dependencies);
  return oracle;
}

/** The same shape from a cataloger's result. */
export function describeResult(result: CatalogResult): { packages: Set<string>; edges: Set<string> } {
  const ids = new Map(result.packages.map((p) => [p.ref, `${p.name}@${p.version}`]));
  return {
    packages: new Set(ids.values()),
    edges: new Set(result.relationships.map((r) => `${ids.get(r.from)} -> ${ids.get(r.to)}`)),
  };
}

/** A set without the entries that mention one of `exclude`. */
export function without(set: Set<string>, exclude: Set<string>): string[] {
  return [...set].filter((entry) => ![...exclude].some((id) => entry === id || entry.startsWith(`${id} `) || entry.endsWith(` ${id}`))).sort();
}
