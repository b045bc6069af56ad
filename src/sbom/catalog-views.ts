/**
 * Runs catalogers over the views of a scanned source and attributes each package location to the
 * layer that introduced it: a cataloger is re-run only on views where a file it reads changed, and
 * a package keeps, at each path, the layer where it first appeared there for as long as it stays
 * present. A package found at two paths by two layers (a jar copied, a library installed alone
 * and then nested in an application's jar) has each location in its own layer.
 * What the views give is merged into one SBOM's packages by {@link PackageCollector}.
 * @module
 */
import { SealkitError } from '../errors.js';
import type { CatalogContext, CatalogFile, CatalogResult, Cataloger, PackageDraft, ProjectDraft } from './catalog/cataloger.js';
import { DISTRO_PATTERNS, detectDistro } from './catalog/index.js';
import { GlobSet } from './glob.js';
import type { Distro, Package, Project, Relationship, SbomWarning, Scope } from './model.js';
import { PackageCollector } from './package-collector.js';
import type { LayeredTree } from './source/layered-tree.js';
import { TreeView, type FileSelector, type PathMatcher } from './source/tree-view.js';

/** What cataloging a source produced, before sorting. */
export interface CatalogOutcome {
  packages: Package[];
  projects: Project[];
  relationships: Relationship[];
  distro?: Distro;
  warnings: SbomWarning[];
}

interface Attributed {
  result: CatalogResult;
  /** Layer index where each draft was introduced at each of its paths, by {@link placeKey}. */
  introducedAt: Map<string, number>;
}

/** A matcher over root-relative paths built from globs (with exclusions). */
export function matcherOf(globs: readonly string[], exclude: readonly string[] = []): PathMatcher {
  const set = new GlobSet<true>();
  for (const glob of globs) set.add(glob, true, exclude);
  return (path) => set.match(path) !== undefined;
}

/** One location of one draft of a parse result. */
function placeKey(draft: PackageDraft | ProjectDraft, path: string): string {
  return `${draft.ref}\u0000${path}`;
}

/**
 * Key under which a package or project at a path is "the same" across views: the purl and the
 * path (a project without a purl: its name).
 */
function presenceKey(draft: PackageDraft | ProjectDraft, path: string): string {
  return 'type' in draft ? `${draft.purl}\u0000${path}` : `project\u0000${draft.purl ?? `\u0000${draft.name}`}\u0000${path}`;
}

/** Options of {@link catalogViews}. */
export interface CatalogViewsOptions {
  /**
   * Only these root-relative paths (no leading slash) are parsed: for a lockfile source, the
   * lockfile, not the files beside it, which its cataloger reads through the resolver. Default:
   * every file a cataloger's patterns match.
   */
  parseOnly?: ReadonlySet<string>;
}

/**
 * Catalogs every view of `tree` with `catalogers`, one cataloger after the other. What a
 * cataloger loads lazily ({@link Cataloger.prepare}) is loaded right before its first parse, not
 * before the first cataloger's: starting a WebAssembly SQLite beside the dpkg parse made both
 * peaks one (about 15 MiB more on the polyglot image).
 */
export async function catalogViews(tree: LayeredTree, catalogers: readonly Cataloger[], scope: Scope, options: CatalogViewsOptions = {}): Promise<CatalogOutcome> {
  const { parseOnly } = options;
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
  /** Bytes of files parsed since the last {@link settle}; -1 when nothing was parsed since. */
  let sinceCollection = -1;
  for (const cataloger of catalogers) {
    const selector = selectorOf(cataloger, parseOnly);
    await prepare(cataloger, selector, views);
    const parsed = catalogOne(cataloger, selector);
    if (parsed === undefined) continue;
    sinceCollection = Math.max(sinceCollection, 0) + parsed;
    if (cataloger.prepare !== undefined || sinceCollection >= COLLECT_AFTER_BYTES) {
      await settle();
      sinceCollection = -1;
    }
  }
  // the output is written next: its peak comes on top of what the last parses left
  if (sinceCollection >= 0) await settle();
  const distro = distros[last];
  return { ...collector.finish(), ...(distro ? { distro } : {}), warnings };

  /** Catalogs each view with one cataloger; the bytes of the files it parsed, undefined when none. */
  function catalogOne(cataloger: Cataloger, selector: FileSelector): number | undefined {
    const { tag } = selector;
    let parsed: number | undefined;
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
        for (const file of files) parsed = (parsed ?? 0) + (file.reader?.size ?? file.content.length);
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
      if (scope === 'all-layers' || view.index === last) {
        const { introducedAt } = current;
        collector.add(cataloger.name, current.result, (draft, path) => introducedAt.get(placeKey(draft, path)) ?? 0);
      }
      previous = current;
      previousPrint = print;
    }
    return parsed;
  }
}

/**
 * Bytes of parsed files after which a collection is worth its cost (about 10 ms for a scan's
 * heap, more in what it makes V8 redo): a few metadata files leave little behind, archives and
 * executables leave their read and inflated buffers.
 */
const COLLECT_AFTER_BYTES = 1024 * 1024;

/**
 * After a cataloger that loaded something for its parse ({@link Cataloger.prepare}) or after
 * {@link COLLECT_AFTER_BYTES} of parsed files, and once more before the output is written:
 * lets what a cataloger loaded and gives up at the next turn of the event loop go (SQLite, see
 * rpm/sqlite.ts), then, when the embedder exposes `gc` (the CLI does, see bin/sealkit.js),
 * collects. A scan's JavaScript heap is small, so the collector would otherwise seldom run a full
 * collection before the end of the process, while the memory that such a collection frees mostly
 * lies outside that heap (a WebAssembly instance's memory, the buffers of inflated archive
 * entries and of read files) and piles up parse after parse: it was a larger part of the peak
 * than anything the parsers keep, and grew with the image.
 */
async function settle(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  (globalThis as { gc?: () => void }).gc?.();
}

/**
 * The files `cataloger` parses: chosen by its globs, or by content under its name as the tag (see
 * generate.ts); with `parseOnly`, only those of its paths.
 */
function selectorOf(cataloger: Cataloger, parseOnly: ReadonlySet<string> | undefined): FileSelector {
  const tag = cataloger.magic !== undefined && cataloger.magic.length > 0 ? cataloger.name : undefined;
  const byGlob = matcherOf(cataloger.patterns, cataloger.exclude ?? []);
  return {
    matches: parseOnly === undefined ? byGlob : (path) => parseOnly.has(path) && byGlob(path),
    ...(tag !== undefined ? { tag } : {}),
    randomAccess: cataloger.randomAccess === true,
  };
}

/**
 * Awaits {@link Cataloger.prepare} when the cataloger has files in some view, with the paths of
 * those files, so that what a parser loads lazily is loaded only for a scan that needs it.
 */
async function prepare(cataloger: Cataloger, selector: FileSelector, views: readonly TreeView[]): Promise<void> {
  if (cataloger.prepare === undefined) return;
  const paths = new Set<string>();
  for (const view of views) for (const file of view.files(selector)) paths.add(file.path);
  if (paths.size > 0) await cataloger.prepare([...paths].sort());
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
  const before = previous === undefined ? [] : [...previous.result.packages, ...(previous.result.projects ?? [])];
  for (const draft of before) {
    for (const { path } of draft.locations) {
      const at = previous?.introducedAt.get(placeKey(draft, path));
      if (at !== undefined) earlier.set(presenceKey(draft, path), at);
    }
  }
  const introducedAt = new Map<string, number>();
  for (const draft of [...result.packages, ...(result.projects ?? [])]) {
    for (const { path } of draft.locations) introducedAt.set(placeKey(draft, path), earlier.get(presenceKey(draft, path)) ?? layer);
  }
  return introducedAt;
}
