/**
 * The shape every cataloger has: a name, the files it wants, and a pure parser.
 * Finding files, following layers and links, and recording locations is done once,
 * elsewhere; a cataloger only turns file contents into packages.
 * @module
 */
import type { Distro, License, Location, PackageType, RelationshipType, SbomWarning } from '../model.js';
import type { ByteSource } from '../readers/byte-source.js';

/**
 * Random access to a captured file: the bytes are in memory, or, for a large file of a
 * cataloger with {@link Cataloger.randomAccess}, in a temporary file the pipeline removes.
 * Synchronous, so that parsers stay pure functions. It is the format readers' {@link ByteSource}
 * under the name the cataloger contract uses, not a type of its own.
 */
export type FileContent = ByteSource;

/** A {@link FileContent} over bytes held in memory; reads are views, not copies. */
export { bufferSource as bufferContent } from '../readers/byte-source.js';

/** The kinds of source a cataloger runs on. */
export type SourceKind = 'image' | 'directory' | 'lockfile';

/** A captured file handed to a parser. */
export interface CatalogFile {
  /** Absolute path inside the root, e.g. `/var/lib/dpkg/status`. */
  path: string;
  /** diffID of the layer the file came from (images only). */
  layer?: string;
  /** The whole file. Empty for a file a {@link Cataloger.randomAccess} cataloger reads through `reader`. */
  content: Buffer;
  /** Random access to the file: set for every file of a {@link Cataloger.randomAccess} cataloger. */
  reader?: FileContent;
}

/**
 * Read access to the files captured from a source, as they stand in one view
 * (one layer of an image, or a directory). Paths are absolute (`/etc/os-release`);
 * links are followed inside the root only.
 */
export interface FileResolver {
  /** Contents of the file at `path` after following links, or undefined when absent or not captured. */
  read(path: string): Buffer | undefined;
  /** The path `path` leads to after following links, or undefined when it does not resolve. */
  resolve(path: string): string | undefined;
  /** Captured files (after the view's whiteouts) whose path matches `pattern` (a root-relative glob), sorted. */
  glob(pattern: string): CatalogFile[];
}

/** What a parser may use besides the files it was given. */
export interface CatalogContext {
  resolver: FileResolver;
  /** The distro of the source, when known; purls of OS packages need it. */
  distro?: Distro;
  /** Report something the parser could not use; never throw for a single bad file. */
  warn(warning: SbomWarning): void;
}

/** A package as a parser sees it; the pipeline assigns ids and merges duplicates. */
export interface PackageDraft {
  /** Reference unique within one parse result, used by {@link RelationshipDraft}. */
  ref: string;
  name: string;
  version: string;
  type: PackageType;
  purl: string;
  licenses: License[];
  metadata: Record<string, string>;
  description?: string;
  homepage?: string;
  supplier?: string;
  /** Where the package was found; the pipeline fills in the layer. */
  locations: Array<Pick<Location, 'path'>>;
  /**
   * For an OS package: the absolute paths of the files it installed (its file list). The
   * pipeline relates every other package found at one of these paths to it (`owns`), then drops
   * the list: it is never part of the model or of any output. Iterated once, after every
   * cataloger has run, so it may be lazy (split from a file list only when read).
   */
  ownedFiles?: Iterable<string>;
  /**
   * Locked only to develop the project (an npm devDependency, a Poetry or uv dev group, Pipfile's
   * `develop`): marked in every format, left out with `excludeDev`. Optional and
   * platform-specific packages are not dev; they say so in `metadata` (`optional: 'true'`,
   * `platform: 'os=…,cpu=…'` or the ecosystem's own platform string).
   */
  dev?: boolean;
}

/**
 * A project that a lockfile or manifest describes: its root package or a workspace member. It is
 * the SBOM's subject, never one of its packages; its direct dependencies are relationships whose
 * `from` is its {@link ref}.
 */
export interface ProjectDraft {
  /** Reference unique within one parse result, shared with {@link PackageDraft.ref}s. */
  ref: string;
  name: string;
  /** Absent when the file does not record one. */
  version?: string;
  /** Absent when the project has no registry identity (no name, or a private workspace). */
  purl?: string;
  /** Where the project is described (the lockfile or manifest); the pipeline fills in the layer. */
  locations: Array<Pick<Location, 'path'>>;
}

/**
 * A relationship between two {@link PackageDraft.ref}s of the same parse result; `from` may also
 * be a {@link ProjectDraft.ref} (a project's direct dependency). `owns` is
 * usually left to the pipeline, which derives it from {@link PackageDraft.ownedFiles} across
 * catalogers.
 */
export interface RelationshipDraft {
  from: string;
  to: string;
  type: RelationshipType;
}

/** What a parser returns. */
export interface CatalogResult {
  packages: PackageDraft[];
  relationships: RelationshipDraft[];
  /** The projects the files describe (lockfiles and manifests only). */
  projects?: ProjectDraft[];
}

/** One ecosystem's cataloger. Register it in `catalog/index.ts`. */
export interface Cataloger {
  /** Stable name, recorded as {@link Package.foundBy}, e.g. `dpkg-db`. */
  readonly name: string;
  /** Source kinds it runs on. */
  readonly sources: readonly SourceKind[];
  /** Root-relative globs (`**`, `*`, `?`) of the files it parses, e.g. `var/lib/dpkg/status`. */
  readonly patterns: readonly string[];
  /** Globs of files the parser only reads through the resolver (license texts and the like). */
  readonly related?: readonly string[];
  /** Globs excluded from `patterns` (e.g. lockfiles inside node_modules). */
  readonly exclude?: readonly string[];
  /** Largest file the cataloger accepts, in bytes; larger ones are skipped with a FILE_TOO_LARGE warning. */
  readonly maxFileSize?: number;
  /**
   * Leading bytes (magic numbers) that select a file whatever its name or location, e.g.
   * `\x7fELF` for executables: matching files are captured as if a pattern named them.
   */
  readonly magic?: readonly Buffer[];
  /**
   * The parser reads its files through {@link CatalogFile.reader}, so a large file (a fat jar,
   * an executable) need not be held in memory: the pipeline may spill it to a temporary file.
   */
  readonly randomAccess?: boolean;
  /**
   * Loads, once per process, what {@link parse} needs that is too heavy to load for every scan
   * (a WebAssembly SQLite, an XML parser), so that a scan pays for it only when it has files
   * that need it. The pipeline awaits it before the first {@link parse} of a scan, and only when
   * the cataloger has files in some view; `paths` are those files' paths (sorted), so that it can
   * load only what they need. `parse` stays synchronous and pure: a file whose reader was not
   * prepared is a warning of that parse. Whoever calls `parse` directly (a test) awaits this first.
   */
  prepare?(paths: readonly string[]): Promise<void>;
  /**
   * Turns every matched file of one view into packages. Pure: same input, same output.
   * `files` are sorted by path.
   */
  parse(files: readonly CatalogFile[], context: CatalogContext): CatalogResult;
}
