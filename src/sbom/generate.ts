/**
 * `generateSbom`: source -> captured files -> catalogers -> {@link Sbom}.
 * @module
 */
import { basename } from 'node:path';
import { SealkitError, SourceError, UsageError, throwIfAborted } from '../errors.js';
import { TOOL } from '../version.js';
import type { Cataloger, SourceKind } from './catalog/cataloger.js';
import { DISTRO_PATTERNS, catalogers as builtIn } from './catalog/index.js';
import { catalogViews, matcherOf, type CatalogOutcome } from './catalog-views.js';
import type { RegistryClientOptions } from '../registry/index.js';
import type { Package, Project, Relationship, Sbom, SbomWarning, Scope } from './model.js';
import { DEFAULT_LIMITS, type CaptureLimits } from './source/layered-tree.js';
import type { ImageStream } from './source/archive-input.js';
import type { LockfileRules } from './source/directory.js';
import { openSource } from './source/open-source.js';
import type { SbomProgress, ScannedSource } from './source/scanned-source.js';
import { Selection } from './source/selection.js';
import { SpillArea } from './source/spill-area.js';

export type { SbomProgress } from './source/scanned-source.js';
export type { ImageStream } from './source/archive-input.js';

/** Options of {@link generateSbom}. */
export interface GenerateSbomOptions {
  /** `squashed` (default): what the final image holds. `all-layers`: every package any layer held. */
  scope?: Scope;
  /** Platform to pick from a multi-platform image, `os/arch[/variant]`; default `linux/amd64`. */
  platform?: string;
  /**
   * Creation time written into the SBOM. Defaults to `SOURCE_DATE_EPOCH` (seconds) when set,
   * else now. Fix it to get byte-identical output for identical input.
   */
  timestamp?: Date | string | number;
  /** Run only these catalogers (by name, e.g. `dpkg-db`); default all that apply to the source. */
  catalogers?: readonly string[];
  /** Throw on the first warning (file too large, unreadable metadata, an entry skipped, link not followed) instead of reporting it; the error has the warning's code. */
  strict?: boolean;
  /**
   * Leave out the packages locked only for development ({@link Package.dev}: every lockfile
   * that holds the package locks it for development alone) and every relationship to or from
   * them. A package that any lockfile needs at run time, or that was found installed, stays.
   */
  excludeDev?: boolean;
  /**
   * Memory and disk bounds; the defaults suit real images and stop hostile ones. Large files of
   * catalogers that read at random (archives, executables) go to a private temporary directory
   * under `os.tmpdir()` (honouring `TMPDIR`), removed before this returns or throws.
   */
  limits?: Partial<CaptureLimits> & {
    /** Largest metadata file read, in bytes, unless a cataloger sets its own (default 32 MiB). */
    maxFileSize?: number;
  };
  /**
   * How a registry source is read: credentials (else the Docker config), plain HTTP, retries,
   * timeouts. `signal` above cancels its requests too.
   */
  registry?: RegistryClientOptions;
  signal?: AbortSignal;
  onProgress?: (progress: SbomProgress) => void;
}

const DEFAULT_MAX_FILE_SIZE = 32 * 1024 * 1024;
// Link targets nobody asked for are fetched in further passes; chains of such links are rare.
const MAX_FETCH_ROUNDS = 2;

/**
 * Builds the SBOM of a container image, a directory or a lockfile.
 *
 * @param source `docker-archive:PATH`, `oci-archive:PATH`, `oci-dir:PATH`, `dir:PATH`,
 *   `lockfile:PATH`, or a bare path whose kind is detected; a gzip- or zstd-compressed archive is
 *   read in one streaming pass. `registry:HOST/REPO[:TAG][@DIGEST]` pulls an image from a
 *   registry (layers streamed, never stored), as does a bare `host.name/repo:tag` or
 *   `repo@sha256:…` when no file of that name exists; the SBOM names it by its manifest digest. `docker-archive:-`, `oci-archive:-` or `-` read standard input;
 *   an {@link ImageStream} (`{ stream, scheme? }`) reads any byte stream the same way.
 * @throws {@link SealkitError} with a stable code when the source is missing, malformed or unsafe.
 *
 * @example
 * ```ts
 * import { generateSbom, serializeSbom } from 'sealkit';
 * const sbom = await generateSbom('oci-archive:build/image.tar');
 * await writeFile('sbom.cdx.json', serializeSbom(sbom, 'cyclonedx-json'));
 * ```
 */
export function generateSbom(source: string | ImageStream, options: GenerateSbomOptions = {}): Promise<Sbom> {
  return generateSbomWith(builtIn, source, options);
}

/**
 * {@link generateSbom} with the catalogers of `registry` instead of the built-in ones.
 * @internal Not exported from the package: tests run catalogers of their own through it.
 */
export async function generateSbomWith(registry: readonly Cataloger[], source: string | ImageStream, options: GenerateSbomOptions = {}): Promise<Sbom> {
  const scope = checkScope(options.scope);
  const timestamp = resolveTimestamp(options.timestamp);
  const selected = selectCatalogers(registry, options.catalogers);
  const maxFileSize = options.limits?.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
  const { maxFileSize: _maxFileSize, ...captureLimits } = definedOnly(options.limits);
  const limits: CaptureLimits = { ...DEFAULT_LIMITS, ...captureLimits };
  throwIfAborted(options.signal);

  // Made lazily on the first spill; removed here however the scan or the cataloging ends.
  const spill = new SpillArea(limits.maxSpillBytes, { packBelow: limits.spillThreshold });
  let scanned: ScannedSource | undefined;
  try {
    scanned = await openSource(source, {
      platform: options.platform ?? 'linux/amd64',
      limits,
      selectionFor: (kind) => buildSelection(applicable(selected, kind), maxFileSize),
      lockfile: lockfileRules(applicable(selected, 'lockfile'), maxFileSize),
      spill,
      releaseHidden: scope === 'squashed',
      ...(options.registry ? { registry: options.registry } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    const catalogers = applicable(selected, scanned.kind);
    // a lockfile source parses its lockfile only; the files beside it are read through the resolver
    const viewOptions = scanned.kind === 'lockfile' ? { parseOnly: new Set([basename(scanned.description.location)]) } : {};
    options.onProgress?.({ phase: 'catalog' });
    let outcome = await catalogViews(scanned.tree, catalogers, scope, viewOptions);
    for (let round = 0; round < MAX_FETCH_ROUNDS && (await scanned.fetchMissing()); round++) {
      throwIfAborted(options.signal);
      outcome = await catalogViews(scanned.tree, catalogers, scope, viewOptions);
    }
    const warnings = dedupeWarnings([...scanned.tree.warnings, ...outcome.warnings]);
    failOnWarnings(scanned.kind, typeof source === 'string' ? source : scanned.description.location, warnings, options.strict === true);
    const { packages, relationships } = options.excludeDev === true ? withoutDev(outcome) : outcome;
    return {
      source: scanned.description,
      ...(outcome.distro ? { distro: outcome.distro } : {}),
      packages: packages.sort(comparePackages),
      ...(outcome.projects.length > 0 ? { projects: outcome.projects.sort(compareProjects) } : {}),
      relationships: relationships.sort(compareRelationships),
      warnings,
      timestamp,
      scope,
      tool: { name: TOOL.name, version: TOOL.version },
    };
  } finally {
    try {
      await scanned?.close();
    } finally {
      spill.dispose();
    }
  }
}

/**
 * The packages that are not {@link Package.dev}, and the relationships between what remains
 * (projects and packages), so that no relationship names a package left out.
 */
function withoutDev(outcome: CatalogOutcome): { packages: Package[]; relationships: Relationship[] } {
  const left = new Set<string>();
  const packages = outcome.packages.filter((pkg) => {
    if (pkg.dev === true) left.add(pkg.id);
    return pkg.dev !== true;
  });
  const relationships = outcome.relationships.filter((r) => !left.has(r.from) && !left.has(r.to));
  return { packages, relationships };
}

/**
 * For a lockfile source: the `related` globs of the catalogers whose patterns match the
 * lockfile's name (the files they read beside it), or undefined when none parses such a file.
 */
function lockfileRules(catalogers: readonly Cataloger[], maxFileSize: number): LockfileRules {
  return {
    maxRelatedSize: maxFileSize,
    relatedTo(name) {
      const parsers = catalogers.filter((c) => matcherOf(c.patterns, c.exclude ?? [])(name));
      if (parsers.length === 0) return undefined;
      return [...new Set(parsers.flatMap((c) => c.related ?? []))];
    },
  };
}

function definedOnly<T extends object>(value: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(value ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function checkScope(scope: Scope | undefined): Scope {
  if (scope === undefined) return 'squashed';
  if (scope !== 'squashed' && scope !== 'all-layers') {
    throw new UsageError('INVALID_ARGUMENT', `unknown scope ${JSON.stringify(scope)}: use squashed or all-layers`);
  }
  return scope;
}

/** The document time: explicit, else SOURCE_DATE_EPOCH, else now; whole seconds. */
export function resolveTimestamp(value: Date | string | number | undefined, env = process.env): Date {
  let date: Date;
  if (value !== undefined) date = new Date(value);
  else if (env.SOURCE_DATE_EPOCH !== undefined && env.SOURCE_DATE_EPOCH !== '') {
    if (!/^\d+$/.test(env.SOURCE_DATE_EPOCH)) {
      throw new UsageError('INVALID_ARGUMENT', `SOURCE_DATE_EPOCH must be whole seconds since 1970, not ${JSON.stringify(env.SOURCE_DATE_EPOCH)}`);
    }
    date = new Date(Number(env.SOURCE_DATE_EPOCH) * 1000);
  } else date = new Date();
  if (Number.isNaN(date.getTime())) throw new UsageError('INVALID_ARGUMENT', `invalid timestamp ${JSON.stringify(value)}`);
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

function selectCatalogers(registry: readonly Cataloger[], names: readonly string[] | undefined): readonly Cataloger[] {
  if (names === undefined) return registry;
  const unknown = names.filter((name) => !registry.some((c) => c.name === name));
  if (unknown.length > 0) {
    throw new UsageError('INVALID_ARGUMENT', `unknown cataloger ${unknown.join(', ')}; known: ${registry.map((c) => c.name).join(', ')}`);
  }
  return registry.filter((c) => names.includes(c.name));
}

function applicable(catalogers: readonly Cataloger[], kind: SourceKind): Cataloger[] {
  return catalogers.filter((c) => c.sources.includes(kind));
}

/**
 * What the scan keeps: every file a cataloger parses or reads, the files whose first bytes match
 * a cataloger's magic numbers (tagged with its name), and the distro files.
 */
function buildSelection(catalogers: readonly Cataloger[], maxFileSize: number): Selection {
  const selection = new Selection();
  for (const pattern of DISTRO_PATTERNS) selection.addPattern(pattern, 1024 * 1024, false);
  for (const cataloger of catalogers) {
    const max = cataloger.maxFileSize ?? maxFileSize;
    const randomAccess = cataloger.randomAccess === true;
    for (const pattern of cataloger.patterns) selection.addPattern(pattern, max, randomAccess, cataloger.exclude ?? []);
    for (const magic of cataloger.magic ?? []) selection.addMagic(magic, max, randomAccess, cataloger.name);
    // Files only read through the resolver (license texts) get the general limit, in memory.
    for (const pattern of cataloger.related ?? []) selection.addPattern(pattern, maxFileSize, false);
  }
  return selection;
}

function dedupeWarnings(warnings: SbomWarning[]): SbomWarning[] {
  const seen = new Map<string, SbomWarning>();
  for (const w of warnings) seen.set(`${w.code}\u0000${w.path ?? ''}\u0000${w.layer ?? ''}\u0000${w.message}`, w);
  return [...seen.values()].sort((a, b) => ((a.path ?? '') < (b.path ?? '') ? -1 : (a.path ?? '') > (b.path ?? '') ? 1 : a.code < b.code ? -1 : 1));
}

function failOnWarnings(kind: SourceKind, source: string, warnings: SbomWarning[], strict: boolean): void {
  // A lockfile source is that one file: if it cannot be read there is no SBOM to give. A file
  // beside it that cannot be read (a manifest) costs what it would have added, as in a directory,
  // and so does an entry of it left out (PACKAGE_SKIPPED): the rest of the file is still the SBOM.
  const lockfile = basename(source);
  const unreadable = warnings.find((w) => w.code === 'METADATA_UNPARSABLE' && (w.path === undefined || w.path.replace(/^\/+/, '') === lockfile));
  if (kind === 'lockfile' && unreadable) {
    throw new SourceError('LOCKFILE_INVALID', `${source}: ${unreadable.message}`, { details: { path: source } });
  }
  const first = warnings[0];
  if (strict && first) {
    throw new SealkitError(first.code, `${first.message} (strict mode)`, {
      details: { ...(first.path ? { path: first.path } : {}), ...(first.layer ? { layer: first.layer } : {}) },
    });
  }
}

function comparePackages(a: Package, b: Package): number {
  return a.purl < b.purl ? -1 : a.purl > b.purl ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function compareProjects(a: Project, b: Project): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function compareRelationships(a: Relationship, b: Relationship): number {
  const x = `${a.from}\u0000${a.to}\u0000${a.type}`;
  const y = `${b.from}\u0000${b.to}\u0000${b.type}`;
  return x < y ? -1 : x > y ? 1 : 0;
}
