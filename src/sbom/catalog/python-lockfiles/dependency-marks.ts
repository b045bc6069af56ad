/**
 * Development and optional marks for lockfiles that record only a graph: a package is for
 * development when only the project's development dependencies lead to it, and optional when
 * only its extras do. Packages nothing leads to (locked for another environment) stay unmarked.
 * @module
 */
import type { PackageDraft, RelationshipDraft } from '../cataloger.js';

/** Refs of the packages a project's direct dependencies of each kind name. */
export interface Roots {
  main: Iterable<string>;
  optional: Iterable<string>;
  dev: Iterable<string>;
}

/** Sets `dev` and `metadata.optional` from reachability over every package-to-package edge. */
export function markByReachability(packages: readonly PackageDraft[], relationships: readonly RelationshipDraft[], roots: Roots): void {
  const next = new Map<string, string[]>();
  for (const edge of relationships) {
    const list = next.get(edge.from) ?? [];
    list.push(edge.to);
    next.set(edge.from, list);
  }
  const main = reach(roots.main, next);
  const optional = reach(roots.optional, next);
  const dev = reach(roots.dev, next);
  for (const draft of packages) {
    if (main.has(draft.ref)) continue;
    if (optional.has(draft.ref)) draft.metadata.optional = 'true';
    else if (dev.has(draft.ref)) draft.dev = true;
  }
}

/** Every ref reachable from `roots`, roots included; iterative, so deep graphs cannot overflow. */
export function reach(roots: Iterable<string>, next: ReadonlyMap<string, readonly string[]>): Set<string> {
  const seen = new Set<string>();
  const stack = [...roots];
  while (stack.length > 0) {
    const ref = stack.pop() as string;
    if (seen.has(ref)) continue;
    seen.add(ref);
    for (const to of next.get(ref) ?? []) if (!seen.has(to)) stack.push(to);
  }
  return seen;
}
