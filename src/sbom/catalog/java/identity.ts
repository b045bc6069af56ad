/**
 * Which packages one Java archive stands for, decided the way syft decides it:
 *
 * - The archive itself is one package. Its identity comes from the pom.properties whose
 *   artifactId matches the file name (preferring one with a pom.xml beside it), else from the only
 *   pom.xml when there is no pom.properties, else from the manifest and the file name.
 * - Every other pom.properties (a shaded or "uber" jar copies those of what it bundles) is a
 *   package of its own, embedded in the archive, unless it names the archive's own artifact.
 *
 * Where sealkit departs from syft it says so: file names and artifactIds are compared ignoring
 * `.`/`_`/`-` (Debian renames `jakarta.annotation-api` to `jakarta-annotation-api.jar`), the only
 * pom.properties of a renamed archive is its own when no version contradicts it (an image's
 * `app.jar`), a jar without a manifest still yields its embedded packages, and a groupId is only
 * guessed from manifest headers that name one (not from class names).
 * @module
 */
import type { License } from '../../model.js';
import { normalizeLicense, uniqueLicenses } from '../../license.js';
import { artifactFromArchiveName, artifactMatchesFileName, type ArchiveName } from './archive-name.js';
import { spdxIdForUrl } from './license-url.js';
import { anyValue, mainValue, type JavaManifest } from './manifest.js';
import type { PomProperties } from './pom-properties.js';
import { isUnresolved, type PomLicense, type PomProject } from './pom-xml.js';

/** The Maven metadata of one `META-INF/maven/<groupId>/<artifactId>/` folder of an archive. */
export interface MavenFolder {
  /** Folder path inside the archive. */
  dir: string;
  properties?: PomProperties;
  project?: PomProject;
}

/** Where a package's identity came from, strongest first. */
export type IdentitySource = 'pom.properties' | 'pom.xml' | 'manifest' | 'file name';

/** A package one archive stands for. */
export interface JavaIdentity {
  groupId: string;
  artifactId: string;
  /** Empty when nothing gives one. */
  version: string;
  source: IdentitySource;
  licenses: License[];
  description?: string;
  homepage?: string;
  supplier?: string;
}

/** The packages of one archive: itself (when it can be named) and what it embeds. */
export interface ArchiveIdentities {
  main?: JavaIdentity;
  embedded: JavaIdentity[];
}

/** Manifest headers that may hold a groupId, by priority; only values that start with a domain count. */
const GROUP_HEADERS = [
  'Group-Id',
  'Bundle-SymbolicName',
  'Extension-Name',
  'Implementation-Vendor-Id',
  'Automatic-Module-Name',
  'Specification-Vendor',
  'Implementation-Vendor',
  'Implementation-Title',
];
/** Headers whose value is conventionally `<groupId>.<artifactId>`. */
const GROUP_DOT_ARTIFACT = new Set(['bundle-symbolicname', 'automatic-module-name', 'extension-name']);
const NAME_HEADERS = ['Name', 'Bundle-Name', 'Short-Name', 'Extension-Name', 'Implementation-Title'];
const VERSION_HEADERS = ['Implementation-Version', 'Specification-Version', 'Plugin-Version', 'Bundle-Version'];

/**
 * Identifies an archive from its file name, manifest and Maven folders (sorted by `dir`).
 * `hasManifest` false and no version anywhere means the archive itself cannot be named.
 */
export function identifyArchive(fileName: ArchiveName, manifest: JavaManifest | undefined, folders: readonly MavenFolder[]): ArchiveIdentities {
  const declared = folders.filter((folder) => folder.properties?.artifactId !== undefined && usableVersion(folder.properties.version) !== undefined);
  // New Relic's instrumentation jars name the library they weave, not themselves
  const weaves = mainValue(manifest, 'Weave-Classes') !== undefined;
  const own = bestMatch(fileName, declared) ?? soleDeclared(fileName, manifest, declared);
  const onlyPom = own === undefined && declared.length === 0 ? singleProject(folders) : undefined;

  let main: JavaIdentity | undefined;
  if (own !== undefined) main = fromFolder(own, 'pom.properties', manifest);
  else if (onlyPom !== undefined) main = fromProject(onlyPom, fileName, manifest);
  else main = fromManifestAndName(fileName, manifest);
  if (weaves) main = undefined;

  const embedded: JavaIdentity[] = [];
  for (const folder of declared) {
    if (folder === own) continue;
    const identity = fromFolder(folder, 'pom.properties', undefined);
    if (main !== undefined && sameArtifact(identity, main)) continue;
    embedded.push(identity);
  }
  return { ...(main ? { main } : {}), embedded };
}

function bestMatch(fileName: ArchiveName, declared: readonly MavenFolder[]): MavenFolder | undefined {
  const ids = declared.map((folder) => folder.properties?.artifactId ?? '');
  const matching = declared.filter((folder) => artifactMatchesFileName(folder.properties?.artifactId ?? '', fileName.name, ids));
  const exact = (folder: MavenFolder) =>
    folder.project !== undefined &&
    ((folder.properties?.groupId !== undefined && fileName.name.includes(folder.properties.groupId)) || fileName.name === folder.properties?.artifactId);
  return matching.find(exact) ?? matching.find((folder) => folder.project !== undefined) ?? matching[0];
}

/**
 * The only pom.properties of an archive whose file name it does not match (`app.jar`, the usual
 * name of a Spring Boot jar in an image) is the archive's own, unless the file name or the
 * manifest gives another version: then it is a library bundled into an archive built without
 * Maven metadata of its own.
 */
function soleDeclared(fileName: ArchiveName, manifest: JavaManifest | undefined, declared: readonly MavenFolder[]): MavenFolder | undefined {
  const [only] = declared;
  if (only === undefined || declared.length > 1) return undefined;
  const other = manifestOrFileVersion(fileName, manifest)?.version;
  return other === undefined || other === only.properties?.version ? only : undefined;
}

function singleProject(folders: readonly MavenFolder[]): PomProject | undefined {
  const projects = folders.flatMap((folder) => (folder.project?.artifactId === undefined ? [] : [folder.project]));
  return projects.length === 1 ? projects[0] : undefined;
}

function fromFolder(folder: MavenFolder, source: IdentitySource, manifest: JavaManifest | undefined): JavaIdentity {
  const properties = folder.properties ?? {};
  const project = folder.project;
  const artifactId = properties.artifactId ?? '';
  const groupId = usableValue(properties.groupId) ?? usableValue(project?.groupId) ?? groupFromManifest(manifest, artifactId) ?? artifactId;
  return withDetails({ groupId, artifactId, version: usableVersion(properties.version) ?? '', source, licenses: [] }, project, manifest);
}

function fromProject(project: PomProject, fileName: ArchiveName, manifest: JavaManifest | undefined): JavaIdentity {
  const artifactId = project.artifactId ?? '';
  const pomVersion = usableVersion(project.version);
  const version = pomVersion ?? manifestOrFileVersion(fileName, manifest)?.version ?? '';
  const groupId = usableValue(project.groupId) ?? groupFromManifest(manifest, artifactId) ?? artifactId;
  return withDetails({ groupId, artifactId, version, source: 'pom.xml', licenses: [] }, project, manifest);
}

function fromManifestAndName(fileName: ArchiveName, manifest: JavaManifest | undefined): JavaIdentity | undefined {
  const found = manifestOrFileVersion(fileName, manifest);
  // a zip with neither a manifest nor a version in its name is no evidence of a package
  if (manifest === undefined && found === undefined) return undefined;
  const artifactId = selectName(fileName, manifest);
  if (artifactId === '') return undefined;
  const groupId = groupFromManifest(manifest, artifactId) ?? artifactId;
  return withDetails({ groupId, artifactId, version: found?.version ?? '', source: found?.source ?? 'file name', licenses: [] }, undefined, manifest);
}

/** syft's order: the file name's version, then the manifest's version headers. */
function manifestOrFileVersion(fileName: ArchiveName, manifest: JavaManifest | undefined): { version: string; source: IdentitySource } | undefined {
  if (fileName.version !== '') return { version: fileName.version, source: 'file name' };
  for (const header of VERSION_HEADERS) {
    const value = anyValue(manifest, header);
    if (value !== undefined) return { version: value, source: 'manifest' };
  }
  return undefined;
}

/**
 * syft's order: a symbolic name from the Maven bundle plugin (which writes
 * `<groupId>.<artifactId>`), the file name, then the manifest's name headers.
 */
function selectName(fileName: ArchiveName, manifest: JavaManifest | undefined): string {
  const symbolic = osgiValue(mainValue(manifest, 'Bundle-SymbolicName'));
  if (symbolic !== undefined && mainValue(manifest, 'Created-By')?.includes('Apache Maven Bundle Plugin')) {
    if (symbolic !== mainValue(manifest, 'Implementation-Vendor-Id')) {
      const last = symbolic.split('.').pop();
      if (last !== undefined && last !== '') return last;
    }
  }
  const fromFile = artifactFromArchiveName(fileName.name);
  if (fromFile !== '') return fromFile;
  for (const header of NAME_HEADERS) {
    const value = mainValue(manifest, header);
    if (value !== undefined) return value;
  }
  return '';
}

/**
 * A groupId named by a manifest header: the first value that starts with a domain (`org.`,
 * `com.`…), without OSGi directives. Headers that hold `<groupId>.<artifactId>` lose the artifact
 * part (`com.jcraft.jzlib` for `jzlib` gives `com.jcraft`, while `org.hamcrest` for `hamcrest` stays whole).
 */
export function groupFromManifest(manifest: JavaManifest | undefined, artifactId: string): string | undefined {
  if (manifest === undefined) return undefined;
  const sections = [manifest.main, ...manifest.sections];
  for (const header of GROUP_HEADERS) {
    const key = header.toLowerCase();
    for (const section of sections) {
      const value = osgiValue(section.get(key));
      if (value === undefined || !/^(?:com|org|net|io|be)\.[A-Za-z0-9_]/.test(value) || /\s/.test(value)) continue;
      // a groupId has at least two parts: `org.hamcrest` for `hamcrest` is the groupId itself
      const stripped = value.slice(0, -(artifactId.length + 1));
      if (GROUP_DOT_ARTIFACT.has(key) && value.endsWith(`.${artifactId}`) && stripped.includes('.')) return stripped;
      return value;
    }
  }
  return undefined;
}

/** The value of an OSGi header clause without its `;directive` parts. */
function osgiValue(value: string | undefined): string | undefined {
  const clean = value?.split(';')[0]?.trim();
  return clean === undefined || clean === '' ? undefined : clean;
}

function withDetails(identity: JavaIdentity, project: PomProject | undefined, manifest: JavaManifest | undefined): JavaIdentity {
  const licenses = pomLicenses(project?.licenses ?? []);
  identity.licenses = licenses.length > 0 ? licenses : manifestLicenses(manifest);
  const description = project?.description ?? mainValue(manifest, 'Bundle-Description');
  if (description !== undefined) identity.description = description;
  const homepage = usableValue(project?.url) ?? mainValue(manifest, 'Bundle-DocURL') ?? mainValue(manifest, 'Implementation-URL');
  if (homepage !== undefined) identity.homepage = homepage;
  const supplier = project?.organization ?? mainValue(manifest, 'Bundle-Vendor') ?? mainValue(manifest, 'Implementation-Vendor');
  if (supplier !== undefined) identity.supplier = supplier;
  return identity;
}

/**
 * A POM license: its name when that is an SPDX id or a well-known spelling, else the SPDX id its
 * URL certainly stands for, else the name (or the URL) verbatim.
 */
function pomLicenses(licenses: readonly PomLicense[]): License[] {
  return uniqueLicenses(
    licenses.flatMap((license): License[] => {
      const name = usableValue(license.name);
      const url = usableValue(license.url);
      const byName = name === undefined ? undefined : normalizeLicense(name);
      if (byName !== undefined && 'expression' in byName) return [byName];
      const byUrl = url === undefined ? undefined : spdxIdForUrl(url);
      if (byUrl !== undefined) return [{ expression: byUrl }];
      return byName !== undefined ? [byName] : url !== undefined ? [{ name: url }] : [];
    }),
  );
}

/**
 * `Bundle-License` (OSGi: a comma-separated list of licenses, each an SPDX id, a name or a URL,
 * with optional `;description=`/`;link=` attributes) and Jenkins' `Plugin-License-Name`.
 */
function manifestLicenses(manifest: JavaManifest | undefined): License[] {
  const found: License[] = [];
  const bundle = mainValue(manifest, 'Bundle-License');
  if (bundle !== undefined && bundle !== '<<EXTERNAL>>') {
    for (const clause of splitClauses(bundle)) {
      const value = osgiValue(clause)?.replace(/^"|"$/g, '');
      if (value === undefined || value === '') continue;
      const byUrl = /^https?:\/\//i.test(value) ? spdxIdForUrl(value) : undefined;
      found.push(byUrl === undefined ? normalizeLicense(value) : { expression: byUrl });
    }
  }
  const plugin = mainValue(manifest, 'Plugin-License-Name');
  if (plugin !== undefined) found.push(normalizeLicense(plugin));
  return uniqueLicenses(found);
}

/** Splits an OSGi header on the commas that are not inside double quotes. */
function splitClauses(header: string): string[] {
  const clauses: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < header.length; i++) {
    if (header[i] === '"') quoted = !quoted;
    else if (header[i] === ',' && !quoted) {
      clauses.push(header.slice(start, i));
      start = i + 1;
    }
  }
  clauses.push(header.slice(start));
  return clauses.map((clause) => clause.trim()).filter((clause) => clause !== '');
}

/** Two identities of the same artifact: same coordinates, or the same artifactId (syft's last resort). */
function sameArtifact(a: JavaIdentity, b: JavaIdentity): boolean {
  return (a.groupId === b.groupId && a.artifactId === b.artifactId && a.version === b.version) || a.artifactId === b.artifactId;
}

function usableValue(value: string | undefined): string | undefined {
  return value === undefined || value === '' || isUnresolved(value) ? undefined : value;
}

function usableVersion(value: string | undefined): string | undefined {
  return usableValue(value?.trim());
}
