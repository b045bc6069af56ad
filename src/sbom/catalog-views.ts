/**
 * Runs catalogers over the views of a scanned source and attributes each package to the layer
 * that introduced it: a cataloger is re-run only on views where a file it reads changed, and a
 * package keeps the layer where it first appeared for as long as it stays present unchanged.
 * @module
 */
import { SealkitError } from '../errors.js';
import type { CatalogContext, CatalogFile, CatalogResult, Cataloger, PackageDraft } from './catalog/cataloger.js';
import { DISTRO_PATTERNS, detectDistro } from './catalog/index.js';
import { GlobSet } from './glob.js';
import type { Distro, License, Location, Package, Relationship, SbomWarning, Scope } from './model.js';
import type { LayeredTree } from './source/layered-tree.js';
import { TreeView, type FileSelector, type PathMatcher } from './source/tree-view.js';

/** What cataloging a source produced, before sorting. */
export interface CatalogOutcome {
  packages: Package[];
  relationships: Relationship[];
  distro?: Distro;
  warnings: SbomWarning[];
}

interface Attributed {
  result: CatalogResult;
  /** Layer index where each draft (by ref) was introduced. */
  introducedAt: Map<string, number>;
}

/** A matcher over root-relative paths built from globs (with exclusions). */
export function matcherOf(globs: readonly string[], exclude: readonly string[] = []): PathMatcher {
  const set = new GlobSet<true>();
  for (const glob of globs) set.add(glob, true, exclude);
  return (path) => set.match(path) !== undefined;
}

/** Key under which a draft is "the same package" across views. */
function draftKey(draft: PackageDraft): string {
  return `${draft.purl}\u0000${draft.locations.map((l) => l.path).join('\u0000')}`;
}

/** Catalogs every view of `tree` with `catalogers`. */
export function catalogViews(tree: LayeredTree, catalogers: readonly Cataloger[], scope: Scope): CatalogOutcome {
  const last = tree.layerCount - 1;
  const views = Array.from({ length: tree.layerCount }, (_, i) => new TreeView(tree, i));
  const warnings: SbomWarning[] = [];
  const distroMatcher = matcherOf(DISTRO_PATTERNS);
  const distros: Array<Distro | undefined> = [];
  const distroPrints: string[] = [];
  views.forEach((view, i) => {
    distroPrints[i] = view.fingerprint(distroMatcher);
    distros[i] = i > 0 && distroPrints[i] === distroPrints[i - 1] ? distros[i - 1] : detectDistro(view);
  });

  const collector = new PackageCollector(tree.layerIds);
  for (const cataloger of catalogers) {
    // Files chosen by content carry the cataloger's name as their tag (see generate.ts).
    const tag = cataloger.magic !== undefined && cataloger.magic.length > 0 ? cataloger.name : undefined;
    const selector: FileSelector = {
      matches: matcherOf(cataloger.patterns, cataloger.exclude ?? []),
      ...(tag !== undefined ? { tag } : {}),
      randomAccess: cataloger.randomAccess === true,
    };
    const readMatcher = matcherOf([...cataloger.patterns, ...(cataloger.related ?? [])]);
    let previous: Attributed | undefined;
    let previousPrint: string | undefined;
    for (const view of views) {
      const print = `${view.fingerprint(readMatcher, tag)}\n--\n${distroPrints[view.index]}`;
      let current: Attributed;
      if (previous !== undefined && print === previousPrint) {
        current = previous;
      } else {
        const viewWarnings: SbomWarning[] = [];
        const files = view.files(selector);
        const distro = distros[view.index];
        const result: CatalogResult =
          files.length === 0
            ? { packages: [], relationships: [] }
            : parseSafely(cataloger, files, {
                resolver: view,
                ...(distro ? { distro } : {}),
                warn: (warning) => viewWarnings.push(warning),
              });
        if (scope === 'all-layers' || view.index === last) warnings.push(...viewWarnings);
        current = { result, introducedAt: attribute(result, previous, view.index) };
      }
      if (scope === 'all-layers' || view.index === last) collector.add(cataloger.name, current);
      previous = current;
      previousPrint = print;
    }
  }
  const distro = distros[last];
  return { ...collector.finish(), ...(distro ? { distro } : {}), warnings };
}

/**
 * Runs a parser; a file that cannot be read (a directory's file gone since the walk) or a parser
 * that fails on input it did not expect costs that view's result, reported as a warning, never
 * the whole SBOM.
 */
function parseSafely(cataloger: Cataloger, files: readonly CatalogFile[], context: CatalogContext): CatalogResult {
  try {
    return cataloger.parse(files, context);
  } catch (error) {
    if (error instanceof SealkitError && error.code !== 'PATH_UNREADABLE') throw error;
    const path = error instanceof SealkitError && typeof error.details?.path === 'string' ? error.details.path : files[0]?.path;
    context.warn({
      code: error instanceof SealkitError ? 'PATH_UNREADABLE' : 'METADATA_UNPARSABLE',
      message: `${cataloger.name} failed: ${(error as Error)?.message ?? String(error)}`,
      ...(path !== undefined ? { path } : {}),
    });
    return { packages: [], relationships: [] };
  }
}

function attribute(result: CatalogResult, previous: Attributed | undefined, layer: number): Map<string, number> {
  const earlier = new Map<string, number>();
  if (previous !== undefined) {
    for (const draft of previous.result.packages) {
      const at = previous.introducedAt.get(draft.ref);
      if (at !== undefined) earlier.set(draftKey(draft), at);
    }
  }
  const introducedAt = new Map<string, number>();
  for (const draft of result.packages) {
    introducedAt.set(draft.ref, earlier.get(draftKey(draft)) ?? layer);
  }
  return introducedAt;
}

/** Merges drafts from every cataloger and view into packages keyed by purl. */
class PackageCollector {
  private readonly packages = new Map<string, Package>();
  private readonly relationships = new Map<string, Relationship>();

  constructor(private readonly layerIds: ReadonlyArray<string | undefined>) {}

  add(foundBy: string, { result, introducedAt }: Attributed): void {
    const idOfRef = new Map<string, string>();
    for (const draft of result.packages) {
      const layer = this.layerIds[introducedAt.get(draft.ref) ?? 0];
      const locations: Location[] = draft.locations.map((l) => (layer === undefined ? { path: l.path } : { path: l.path, layer }));
      const id = draft.purl;
      idOfRef.set(draft.ref, id);
      const existing = this.packages.get(id);
      if (existing === undefined) {
        const { ref: _ref, locations: _locations, ...rest } = draft;
        this.packages.set(id, { ...rest, id, locations, foundBy, licenses: [...draft.licenses], metadata: { ...draft.metadata } });
      } else {
        mergeLocations(existing.locations, locations);
        mergeLicenses(existing.licenses, draft.licenses);
      }
    }
    for (const rel of result.relationships) {
      const from = idOfRef.get(rel.from);
      const to = idOfRef.get(rel.to);
      if (from === undefined || to === undefined || from === to) continue;
      const relationship: Relationship = { from, to, type: rel.type };
      this.relationships.set(`${from}\u0000${to}\u0000${rel.type}`, relationship);
    }
  }

  finish(): { packages: Package[]; relationships: Relationship[] } {
    const packages = [...this.packages.values()];
    for (const pkg of packages) pkg.locations.sort(compareLocations);
    return { packages, relationships: [...this.relationships.values()] };
  }
}

function compareLocations(a: Location, b: Location): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : (a.layer ?? '') < (b.layer ?? '') ? -1 : (a.layer ?? '') > (b.layer ?? '') ? 1 : 0;
}

function mergeLocations(into: Location[], more: readonly Location[]): void {
  for (const location of more) {
    if (!into.some((l) => l.path === location.path && l.layer === location.layer)) into.push(location);
  }
}

function mergeLicenses(into: License[], more: readonly License[]): void {
  for (const license of more) {
    const key = JSON.stringify(license);
    if (!into.some((l) => JSON.stringify(l) === key)) into.push(license);
  }
}
