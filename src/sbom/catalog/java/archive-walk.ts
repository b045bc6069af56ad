/**
 * Walks one Java archive and the archives nested in it (a Spring Boot jar's `BOOT-INF/lib`, a
 * war's `WEB-INF/lib`, an ear's wars), reading only the central directories and the few metadata
 * entries that identify packages.
 *
 * An archive is hostile input, so every walk runs under limits counted per top-level archive
 * (see {@link JavaArchiveLimits}); hitting one skips what is left and says so in a warning.
 * A stored nested archive (Spring Boot stores its libraries) is read in place; a deflated one
 * is inflated into memory, within the limits.
 * @module
 */
import type { SbomWarning } from '../../model.js';
import { buildPurl } from '../../purl.js';
import type { ByteSource } from '../../readers/byte-source.js';
import { DEFLATED, ZipError, isSafeEntryName, openZip, readZipEntry, zipEntrySource, type ZipDirectory, type ZipEntry } from '../../readers/zip.js';
import { parseArchiveName } from './archive-name.js';
import { identifyArchive, type JavaIdentity, type MavenFolder } from './identity.js';
import { parseManifest, type JavaManifest } from './manifest.js';
import { parsePomProperties } from './pom-properties.js';
import { parsePomXml } from './pom-xml.js';

/** Bounds of one walk; every count is per top-level archive. */
export interface JavaArchiveLimits {
  /** Archives inside archives, the top-level one not counted: ear > war > jar > jar is 3. */
  maxDepth: number;
  /** Nested archives opened. */
  maxNestedArchives: number;
  /**
   * Bytes inflated (metadata entries and deflated nested archives) plus central directory
   * bytes of nested archives, with every entry read counted at least {@link ENTRY_COST} bytes.
   * The budget is this, or `workRatio` times the size of the top-level archive when that is more.
   */
  maxWorkBytes: number;
  /**
   * Work allowed per byte of the top-level archive. Jars are already compressed, so a war's
   * libraries inflate to about their stored size; a bomb inflates to thousands of times it.
   */
  workRatio: number;
  /** Largest deflated nested archive inflated into memory. */
  maxNestedInMemory: number;
  /** Largest manifest, pom.properties or pom.xml read. */
  maxMetadataSize: number;
}

const MiB = 1024 * 1024;

/** The limits the `java-archive` cataloger uses. */
export const JAVA_ARCHIVE_LIMITS: Readonly<JavaArchiveLimits> = {
  maxDepth: 4,
  maxNestedArchives: 4096,
  maxWorkBytes: 256 * MiB,
  workRatio: 4,
  maxNestedInMemory: 64 * MiB,
  maxMetadataSize: 4 * MiB,
};

/** The least an entry read costs, so that a million empty entries cannot be read for free. */
export const ENTRY_COST = 1024;

/** File extensions of Java archives, as syft lists them. */
export const JAVA_ARCHIVE_EXTENSIONS: readonly string[] = ['jar', 'war', 'ear', 'par', 'sar', 'nar', 'jpi', 'hpi', 'kar', 'far', 'lpkg', 'rar', 'zap'];

const ARCHIVE_EXTENSION = new RegExp(`\\.(?:${JAVA_ARCHIVE_EXTENSIONS.join('|')})$`, 'i');
const MAVEN_FILE = /(?:^|\/)META-INF\/maven\/[^/]+\/[^/]+\/pom\.(properties|xml)$/;
const RAR_MAGIC = Buffer.from('Rar!\x1a\x07', 'latin1');

/** A package found in an archive. */
export interface FoundPackage {
  identity: JavaIdentity;
  purl: string;
  /** The archive it was found in, nested ones after `!/`: `/app.jar!/BOOT-INF/lib/a.jar`. */
  virtualPath: string;
  /** purl of the package of the archive that contains it (the enclosing archive, or the archive whose pom.properties it is). */
  parent?: string;
}

interface Collected {
  manifest?: ZipEntry;
  maven: Map<string, { properties?: ZipEntry; pom?: ZipEntry }>;
  nested: ZipEntry[];
  unsafe: string[];
  duplicates: string[];
}

/** The state of one top-level archive's walk. */
class ArchiveWalk {
  readonly found: FoundPackage[] = [];
  private workLeft: number;
  private archivesLeft: number;
  private readonly limitsHit = new Set<string>();

  private readonly workBudget: number;

  constructor(
    private readonly path: string,
    private readonly warn: (warning: SbomWarning) => void,
    private readonly limits: JavaArchiveLimits,
    size: number,
  ) {
    this.workBudget = Math.max(limits.maxWorkBytes, limits.workRatio * size);
    this.workLeft = this.workBudget;
    this.archivesLeft = limits.maxNestedArchives;
  }

  /** Catalogs the archive in `source`; `inner` is its path inside the top-level archive, if nested. */
  visit(source: ByteSource, virtualPath: string, inner: string | undefined, depth: number, parent: string | undefined): void {
    let directory: ZipDirectory;
    let collected: Collected;
    try {
      directory = openZip(source);
      if (depth > 0 && !this.spend(directory.centralDirectorySize, inner)) return;
      collected = collect(directory);
    } catch (error) {
      if (!(error instanceof ZipError)) throw error;
      // `.rar` is also the RAR format's extension: such a file is not a Java resource adapter
      if (error.failure === 'not-zip' && isRar(source)) return;
      this.report('METADATA_UNPARSABLE', inner, `not read as a Java archive: ${error.message}`);
      return;
    }
    if (collected.unsafe.length > 0) {
      this.report('METADATA_UNPARSABLE', inner, `${collected.unsafe.length} entries with unsafe names skipped (e.g. ${JSON.stringify(collected.unsafe[0])})`);
    }
    if (collected.duplicates.length > 0) {
      this.report('METADATA_UNPARSABLE', inner, `entries listed twice, the first one read: ${collected.duplicates.slice(0, 3).join(', ')}`);
    }

    const manifest = this.readManifest(source, collected.manifest, inner);
    const folders = this.readMaven(source, collected.maven, inner);
    const name = parseArchiveName(inner ?? this.path);
    const { main, embedded } = identifyArchive(name, manifest, folders);
    const mainPurl = main === undefined ? undefined : this.record(main, virtualPath, parent, inner);
    for (const identity of embedded) this.record(identity, virtualPath, mainPurl ?? parent, inner);

    for (const entry of collected.nested) {
      const nestedPath = inner === undefined ? entry.name : `${inner}!/${entry.name}`;
      if (depth + 1 > this.limits.maxDepth) {
        this.limit('depth', inner, `archives nested more than ${this.limits.maxDepth} deep are not read (first: ${nestedPath})`);
        continue;
      }
      if (this.archivesLeft <= 0) {
        this.limit('count', inner, `more than ${this.limits.maxNestedArchives} nested archives: the rest are not read`);
        break;
      }
      this.archivesLeft--;
      const nested = this.openNested(source, entry, nestedPath);
      if (nested !== undefined) this.visit(nested, `${virtualPath}!/${entry.name}`, nestedPath, depth + 1, mainPurl ?? parent);
    }
  }

  private openNested(source: ByteSource, entry: ZipEntry, nestedPath: string): ByteSource | undefined {
    if (entry.method === DEFLATED || entry.isEncrypted) {
      if (entry.uncompressedSize > this.limits.maxNestedInMemory) {
        this.report('FILE_TOO_LARGE', nestedPath, `compressed nested archive of ${entry.uncompressedSize} bytes is over the ${this.limits.maxNestedInMemory}-byte limit: not read`);
        return undefined;
      }
      if (!this.spend(entry.uncompressedSize, nestedPath)) return undefined;
    }
    try {
      return zipEntrySource(source, entry, this.limits.maxNestedInMemory);
    } catch (error) {
      if (!(error instanceof ZipError)) throw error;
      this.report(error.code === 'FILE_TOO_LARGE' ? 'FILE_TOO_LARGE' : 'METADATA_UNPARSABLE', nestedPath, `not read: ${error.message}`);
      return undefined;
    }
  }

  private readManifest(source: ByteSource, entry: ZipEntry | undefined, inner: string | undefined): JavaManifest | undefined {
    const bytes = entry === undefined ? undefined : this.read(source, entry, inner);
    return bytes === undefined ? undefined : parseManifest(bytes.toString('utf8'));
  }

  private readMaven(source: ByteSource, maven: Collected['maven'], inner: string | undefined): MavenFolder[] {
    const folders: MavenFolder[] = [];
    for (const dir of [...maven.keys()].sort()) {
      const files = maven.get(dir);
      const folder: MavenFolder = { dir };
      const properties = files?.properties === undefined ? undefined : this.read(source, files.properties, inner);
      if (properties !== undefined) folder.properties = parsePomProperties(properties);
      const pom = files?.pom === undefined ? undefined : this.read(source, files.pom, inner);
      if (pom !== undefined) {
        try {
          folder.project = parsePomXml(pom.toString('utf8'));
        } catch (error) {
          this.report('METADATA_UNPARSABLE', inner, `${files?.pom?.name ?? 'pom.xml'}: ${(error as Error).message}`);
        }
      }
      folders.push(folder);
    }
    return folders;
  }

  private read(source: ByteSource, entry: ZipEntry, inner: string | undefined): Buffer | undefined {
    if (entry.uncompressedSize > this.limits.maxMetadataSize) {
      this.report('FILE_TOO_LARGE', inner, `${entry.name} declares ${entry.uncompressedSize} bytes, over the ${this.limits.maxMetadataSize}-byte limit: not read`);
      return undefined;
    }
    if (!this.spend(entry.uncompressedSize, inner)) return undefined;
    try {
      return readZipEntry(source, entry, this.limits.maxMetadataSize);
    } catch (error) {
      if (!(error instanceof ZipError)) throw error;
      this.report(error.code === 'FILE_TOO_LARGE' ? 'FILE_TOO_LARGE' : 'METADATA_UNPARSABLE', inner, `${entry.name} not read: ${error.message}`);
      return undefined;
    }
  }

  private record(identity: JavaIdentity, virtualPath: string, parent: string | undefined, inner: string | undefined): string | undefined {
    let purl: string;
    try {
      purl = buildPurl({ type: 'maven', namespace: identity.groupId, name: identity.artifactId, version: identity.version });
    } catch (error) {
      this.report('METADATA_UNPARSABLE', inner, `no package URL for ${identity.groupId}:${identity.artifactId}: ${(error as Error).message}`);
      return undefined;
    }
    this.found.push({ identity, purl, virtualPath, ...(parent !== undefined && parent !== purl ? { parent } : {}) });
    return purl;
  }

  /** Counts work against the budget; false (with one warning per walk) when it is spent. */
  private spend(bytes: number, inner: string | undefined): boolean {
    const cost = Math.max(bytes, ENTRY_COST);
    if (cost > this.workLeft) {
      this.limit('work', inner, `reading this archive would take more than ${this.workBudget} bytes of inflation (a zip bomb?): the rest is not read`);
      this.workLeft = 0;
      return false;
    }
    this.workLeft -= cost;
    return true;
  }

  private limit(kind: string, inner: string | undefined, message: string): void {
    if (this.limitsHit.has(kind)) return;
    this.limitsHit.add(kind);
    this.report('FILE_TOO_LARGE', inner, message);
  }

  private report(code: SbomWarning['code'], inner: string | undefined, message: string): void {
    this.warn({ code, message: inner === undefined ? message : `in ${inner}: ${message}`, path: this.path });
  }
}

/** The entries that matter: the manifest, Maven folders and nested archives, with unsafe names set apart. */
function collect(directory: ZipDirectory): Collected {
  const collected: Collected = { maven: new Map(), nested: [], unsafe: [], duplicates: [] };
  const seen = new Set<string>();
  for (const entry of directory.entries()) {
    if (entry.isDirectory) continue;
    const maven = MAVEN_FILE.exec(entry.name);
    const isManifest = entry.name.toUpperCase() === 'META-INF/MANIFEST.MF';
    const isArchive = ARCHIVE_EXTENSION.test(entry.name);
    if (maven === null && !isManifest && !isArchive) continue;
    if (!isSafeEntryName(entry.name)) {
      collected.unsafe.push(entry.name);
      continue;
    }
    if (seen.has(entry.name)) {
      collected.duplicates.push(entry.name);
      continue;
    }
    seen.add(entry.name);
    if (isManifest) collected.manifest = entry;
    else if (maven !== null) {
      const dir = entry.name.slice(0, entry.name.lastIndexOf('/'));
      const files = collected.maven.get(dir) ?? {};
      if (maven[1] === 'properties') files.properties = entry;
      else files.pom = entry;
      collected.maven.set(dir, files);
    } else collected.nested.push(entry);
  }
  collected.nested.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return collected;
}

function isRar(source: ByteSource): boolean {
  return source.size >= RAR_MAGIC.length && source.read(0, RAR_MAGIC.length).equals(RAR_MAGIC);
}

/**
 * Every package in the archive at `path` and in the archives nested in it. Problems become
 * warnings through `warn`; nothing is thrown for bad input.
 */
export function walkJavaArchive(source: ByteSource, path: string, warn: (warning: SbomWarning) => void, limits: JavaArchiveLimits = JAVA_ARCHIVE_LIMITS): FoundPackage[] {
  const walk = new ArchiveWalk(path, warn, limits, source.size);
  walk.visit(source, path, undefined, 0, undefined);
  return walk.found;
}
