/**
 * SPDX 2.3 JSON serializer. sealkit writes this format itself (no library) and checks it
 * against the official JSON schema in its conformance tests.
 *
 * Shape of the document:
 * - the described package is the subject: the one project a directory or lockfile describes
 *   (`APPLICATION`, with its version and purl), or else the scanned source: the image
 *   (`CONTAINER`) or the directory or lockfile (`APPLICATION`). `DOCUMENT DESCRIBES` it and it
 *   `CONTAINS` every other package. When a source describes several projects, each is an
 *   `APPLICATION` package that the source `CONTAINS` and the document also `DESCRIBES`;
 * - relationships from a project (its direct dependencies) start at the project's package;
 * - a package locked only for development says so in its `comment`;
 * - the distro, when known, is an `OPERATING_SYSTEM` package;
 * - one package per model package, with an SPDXID derived from its type, name and id;
 * - `depends-on` becomes `DEPENDS_ON`; `dev-depends-on` and `optional-depends-on` become
 *   `DEV_DEPENDENCY_OF` and `OPTIONAL_DEPENDENCY_OF`, which SPDX defines in the other direction
 *   (the dependency is the subject);
 * - `contains` (an archive holds a package) and `owns` (an OS package installed a package's
 *   files) both become `CONTAINS` ("SPDXRef-A contains SPDXRef-B", SPDX 2.3 clause 11.1), the
 *   type SPDX consumers read as composition; an `owns` one says so in its `comment`, so that
 *   nothing is lost. (syft writes its file-overlap ownership as `OTHER` with a comment, which
 *   validates but tells a consumer nothing unless it parses the comment.)
 *
 * Output is deterministic: packages, relationships and extracted licenses are sorted, and the
 * document namespace is derived from the document's own content.
 * @module
 */
import { createHash } from 'node:crypto';
import { UsageError } from '../../errors.js';
import type { Distro, Location, Package, Project, Relationship, Sbom, SourceDescription } from '../model.js';
import { encodeJson, hashJson, jsonPieces } from './json-text.js';
import { expressionLicenseRefs, idString, licenseRefIds } from './license-ref.js';
import { formatParty, parseParty } from './party.js';
import { isWebUrl } from './web-url.js';

/** Where sealkit's SPDX document namespaces live; the rest of the URI is content-derived. */
const NAMESPACE_BASE = 'https://sealkit.dev/spdxdocs';
const NOASSERTION = 'NOASSERTION';

interface SpdxChecksum {
  algorithm: 'SHA256';
  checksumValue: string;
}

interface SpdxExternalRef {
  referenceCategory: 'PACKAGE-MANAGER';
  referenceType: 'purl';
  referenceLocator: string;
}

type PackagePurpose = 'CONTAINER' | 'APPLICATION' | 'OPERATING_SYSTEM';

interface SpdxPackage {
  name: string;
  SPDXID: string;
  versionInfo?: string;
  supplier: string;
  downloadLocation: string;
  filesAnalyzed: false;
  checksums?: SpdxChecksum[];
  homepage?: string;
  sourceInfo?: string;
  licenseConcluded: string;
  licenseDeclared: string;
  copyrightText: string;
  summary?: string;
  description?: string;
  comment?: string;
  externalRefs?: SpdxExternalRef[];
  primaryPackagePurpose?: PackagePurpose;
}

type RelationshipType =
  | 'DESCRIBES'
  | 'CONTAINS'
  | 'DEPENDS_ON'
  | 'DEV_DEPENDENCY_OF'
  | 'OPTIONAL_DEPENDENCY_OF';

interface SpdxRelationship {
  spdxElementId: string;
  relationshipType: RelationshipType;
  relatedSpdxElement: string;
  comment?: string;
}

/** What the comment of a package locked only for development says. */
export const DEV_COMMENT = 'development dependency: locked only to develop the project, not needed at run time';

/** What an `owns` relationship's `CONTAINS` says about itself. */
export const OWNERSHIP_COMMENT =
  'ownership: the file list of this OS package holds a file the contained package was found by (its metadata file, archive or executable)';

interface SpdxExtractedLicense {
  licenseId: string;
  extractedText: string;
  name?: string;
  comment?: string;
}

interface SpdxDocument {
  spdxVersion: 'SPDX-2.3';
  dataLicense: 'CC0-1.0';
  SPDXID: 'SPDXRef-DOCUMENT';
  name: string;
  documentNamespace?: string;
  creationInfo: { created: string; creators: string[] };
  packages: SpdxPackage[];
  hasExtractedLicensingInfos?: SpdxExtractedLicense[];
  relationships: SpdxRelationship[];
}

/**
 * Serializes `sbom` as an SPDX 2.3 JSON document: pretty-printed with two spaces and a
 * trailing newline, byte-identical for the same input.
 * @throws {@link UsageError} `INVALID_ARGUMENT` when the model is inconsistent (duplicate or
 * empty package ids, a relationship naming an unknown package, an empty license expression,
 * an invalid timestamp).
 */
export function serializeSpdxJson(sbom: Sbom): string {
  return [...jsonPieces(spdxDocument(sbom), 2), '\n'].join('');
}

/**
 * The UTF-8 bytes of {@link serializeSpdxJson}'s document, encoded a piece at a time: the text is
 * never held as one string (see `json-text.ts`).
 */
export function encodeSpdxJson(sbom: Sbom): Buffer {
  return encodeJson(spdxDocument(sbom), '\n');
}

function spdxDocument(sbom: Sbom): SpdxDocument {
  const document = buildDocument(sbom);
  // The namespace must be unique per document: a digest of everything else in it (its compact
  // JSON text, hashed piece by piece) is.
  const digest = hashJson(createHash('sha256'), document).digest('hex');
  document.documentNamespace = `${NAMESPACE_BASE}/${sbom.source.kind}-${idString(sbom.source.name)}-${digest}`;
  return document;
}

function buildDocument(sbom: Sbom): SpdxDocument {
  const created = spdxTimestamp(sbom.timestamp);
  const licenses = sbom.packages.flatMap((pkg) => pkg.licenses);
  const licenseRefs = licenseRefIds(licenses);
  const projects = [...(sbom.projects ?? [])].sort((a, b) => compareStrings(a.id, b.id));
  const [onlyProject] = projects;
  const subjectIsProject = onlyProject !== undefined && projects.length === 1;
  const root = subjectIsProject ? projectPackage(onlyProject) : rootPackage(sbom.source);
  const others: SpdxPackage[] = [];
  const relationships: SpdxRelationship[] = [
    { spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: root.SPDXID },
  ];
  if (sbom.distro !== undefined) others.push(distroPackage(sbom.distro));

  const idToSpdxId = new Map<string, string>();
  const claim = (id: string, name: string): void => {
    if (id === '') throw invalid('a package or project has an empty id', { name });
    if (idToSpdxId.has(id)) throw invalid(`package or project id ${id} is not unique`, { id });
  };
  for (const project of projects) {
    claim(project.id, project.name);
    if (subjectIsProject) {
      idToSpdxId.set(project.id, root.SPDXID);
      continue;
    }
    const part = projectPackage(project);
    idToSpdxId.set(project.id, part.SPDXID);
    others.push(part);
    relationships.push({ spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: part.SPDXID });
  }
  for (const pkg of sbom.packages) {
    claim(pkg.id, pkg.name);
    const spdxPackage = modelPackage(pkg, licenseRefs);
    idToSpdxId.set(pkg.id, spdxPackage.SPDXID);
    others.push(spdxPackage);
  }
  const spdxIds = new Set([root.SPDXID]);
  for (const spdxPackage of others) {
    // Distinct package ids could still meet on one SPDXID if their short hashes collided.
    if (spdxIds.has(spdxPackage.SPDXID)) throw invalid(`SPDXID ${spdxPackage.SPDXID} is not unique`, {});
    spdxIds.add(spdxPackage.SPDXID);
    relationships.push({ spdxElementId: root.SPDXID, relationshipType: 'CONTAINS', relatedSpdxElement: spdxPackage.SPDXID });
  }
  for (const relationship of sbom.relationships) relationships.push(spdxRelationship(relationship, idToSpdxId));

  others.sort((a, b) => compareStrings(a.SPDXID, b.SPDXID));
  const extracted = [
    ...[...licenseRefs].map(([name, licenseId]): SpdxExtractedLicense => ({ licenseId, extractedText: name, name })),
    // SPDX wants every LicenseRef a document uses defined in it, also those the model had as expressions.
    ...expressionLicenseRefs(licenses).map(
      (licenseId): SpdxExtractedLicense => ({
        licenseId,
        extractedText: NOASSERTION,
        comment: 'the package declared this license reference; its text was not captured',
      }),
    ),
  ].sort((a, b) => compareStrings(a.licenseId, b.licenseId));

  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: sbom.source.name,
    documentNamespace: undefined,
    creationInfo: { created, creators: [`Tool: ${sbom.tool.name}-${sbom.tool.version}`] },
    packages: [root, ...others],
    hasExtractedLicensingInfos: extracted.length > 0 ? extracted : undefined,
    relationships: sortRelationships(relationships),
  };
}

function rootPackage(source: SourceDescription): SpdxPackage {
  const kind = { image: 'Image', directory: 'Directory', lockfile: 'Lockfile' }[source.kind];
  const version = source.kind === 'image' ? (source.manifestDigest ?? source.imageId) : undefined;
  const manifestHex = /^sha256:([0-9a-f]{64})$/.exec(source.manifestDigest ?? '')?.[1];
  return {
    ...basePackage(source.name, `SPDXRef-${kind}-${idString(source.name)}`),
    versionInfo: version,
    checksums: manifestHex === undefined ? undefined : [{ algorithm: 'SHA256', checksumValue: manifestHex }],
    primaryPackagePurpose: source.kind === 'image' ? 'CONTAINER' : 'APPLICATION',
  };
}

/** A project: the subject, or a part of the scanned directory; its SPDXID hashes its id. */
function projectPackage(project: Project): SpdxPackage {
  return {
    ...basePackage(project.name, `SPDXRef-Project-${idString(project.name)}-${sha256(project.id).slice(0, 16)}`),
    versionInfo: project.version === '' ? undefined : project.version,
    sourceInfo: `described by ${project.locations.map((l) => (l.layer === undefined ? l.path : `${l.path} (layer ${l.layer})`)).join(', ')}`,
    externalRefs:
      project.purl === undefined || project.purl === ''
        ? undefined
        : [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: project.purl }],
    primaryPackagePurpose: 'APPLICATION',
  };
}

function distroPackage(distro: Distro): SpdxPackage {
  return {
    ...basePackage(distro.id, `SPDXRef-OperatingSystem-${idString(distro.id)}`),
    versionInfo: distro.version ?? distro.versionId,
    description: distro.prettyName,
    primaryPackagePurpose: 'OPERATING_SYSTEM',
  };
}

function modelPackage(pkg: Package, licenseRefs: ReadonlyMap<string, string>): SpdxPackage {
  const homepage = pkg.homepage !== undefined && isWebUrl(pkg.homepage) ? pkg.homepage : undefined;
  return {
    ...basePackage(pkg.name, packageSpdxId(pkg)),
    versionInfo: pkg.version === '' ? undefined : pkg.version,
    supplier: pkg.supplier === undefined ? NOASSERTION : formatParty(parseParty(pkg.supplier)),
    homepage,
    sourceInfo: sourceInfo(pkg.foundBy, pkg.locations),
    licenseDeclared: declaredLicense(pkg, licenseRefs),
    ...describe(pkg.description),
    comment: packageComment(pkg, homepage),
    externalRefs:
      pkg.purl === '' ? undefined : [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: pkg.purl }],
  };
}

function packageComment(pkg: Package, homepage: string | undefined): string | undefined {
  const notes = [
    pkg.dev === true ? DEV_COMMENT : undefined,
    // SPDX's homepage must be a URL; a value that is not one is kept here rather than dropped.
    pkg.homepage !== undefined && homepage === undefined ? `homepage as declared (not a URL): ${pkg.homepage}` : undefined,
  ].filter((note) => note !== undefined);
  return notes.length > 0 ? notes.join('; ') : undefined;
}

function basePackage(name: string, spdxId: string): SpdxPackage {
  return {
    name,
    SPDXID: spdxId,
    versionInfo: undefined,
    supplier: NOASSERTION,
    downloadLocation: NOASSERTION,
    filesAnalyzed: false,
    checksums: undefined,
    homepage: undefined,
    sourceInfo: undefined,
    licenseConcluded: NOASSERTION,
    licenseDeclared: NOASSERTION,
    copyrightText: NOASSERTION,
    summary: undefined,
    description: undefined,
    comment: undefined,
    externalRefs: undefined,
    primaryPackagePurpose: undefined,
  };
}

/** `SPDXRef-Package-<type>-<name>-<hash>`: readable, and unique through the hash of the package id. */
function packageSpdxId(pkg: Package): string {
  return `SPDXRef-Package-${idString(pkg.type)}-${idString(pkg.name)}-${sha256(pkg.id).slice(0, 16)}`;
}

/** A multi-line description's first line is its summary (dpkg and apk descriptions read that way). */
export function describe(description: string | undefined): Pick<SpdxPackage, 'summary' | 'description'> {
  if (description === undefined || description === '') return {};
  const lines = description.split('\n');
  const first = lines[0]?.trim() ?? '';
  return { summary: lines.length > 1 && first !== '' ? first : undefined, description };
}

/** Which cataloger found a package, and where. */
export function sourceInfo(foundBy: string, locations: readonly Location[]): string {
  const where = locations.map((l) => (l.layer === undefined ? l.path : `${l.path} (layer ${l.layer})`));
  return `found by the ${foundBy} cataloger at ${where.length > 0 ? where.join(', ') : 'an unrecorded location'}`;
}

/** The licenses joined with AND; names are referenced through their `LicenseRef-`; NOASSERTION without any. */
export function declaredLicense(pkg: Package, licenseRefs: ReadonlyMap<string, string>): string {
  const terms = unique(
    pkg.licenses.map((license) => {
      if ('name' in license) return licenseRefs.get(license.name) ?? NOASSERTION;
      return checkedExpression(license.expression, pkg);
    }),
  );
  if (terms.length === 0) return NOASSERTION;
  if (terms.length === 1) return terms[0] ?? NOASSERTION;
  return terms.map((term) => (/\s/.test(term) ? `(${term})` : term)).join(' AND ');
}

function spdxRelationship(relationship: Relationship, idToSpdxId: ReadonlyMap<string, string>): SpdxRelationship {
  const from = idToSpdxId.get(relationship.from);
  const to = idToSpdxId.get(relationship.to);
  if (from === undefined || to === undefined) {
    const missing = from === undefined ? relationship.from : relationship.to;
    throw invalid(`a relationship names ${missing}, which is not a package or project of this SBOM`, { ...relationship });
  }
  switch (relationship.type) {
    case 'depends-on':
      return { spdxElementId: from, relationshipType: 'DEPENDS_ON', relatedSpdxElement: to };
    case 'dev-depends-on':
      return { spdxElementId: to, relationshipType: 'DEV_DEPENDENCY_OF', relatedSpdxElement: from };
    case 'optional-depends-on':
      return { spdxElementId: to, relationshipType: 'OPTIONAL_DEPENDENCY_OF', relatedSpdxElement: from };
    case 'contains':
      return { spdxElementId: from, relationshipType: 'CONTAINS', relatedSpdxElement: to };
    case 'owns':
      return { spdxElementId: from, relationshipType: 'CONTAINS', relatedSpdxElement: to, comment: OWNERSHIP_COMMENT };
    default:
      // reachable from JavaScript callers, whom the type does not bind
      throw invalid(`unknown relationship type ${JSON.stringify(relationship.type)}`, { ...relationship });
  }
}

/**
 * Sorted, each (element, type, related element) once: an archive that also installed what it
 * holds gives one `CONTAINS`, keeping the ownership comment whatever the model's order.
 */
function sortRelationships(relationships: SpdxRelationship[]): SpdxRelationship[] {
  const byKey = new Map<string, SpdxRelationship>();
  for (const r of relationships) {
    const key = `${r.spdxElementId}\0${r.relationshipType}\0${r.relatedSpdxElement}`;
    if (byKey.get(key)?.comment === undefined) byKey.set(key, r);
  }
  return [...byKey.entries()].sort(([a], [b]) => compareStrings(a, b)).map(([, r]) => r);
}

/** `YYYY-MM-DDThh:mm:ssZ`, the only form SPDX 2.3 allows for `created` (and SPDX 3.0.1's schema too). */
export function spdxTimestamp(timestamp: Date): string {
  if (!(timestamp instanceof Date) || Number.isNaN(timestamp.getTime())) {
    throw invalid('the SBOM timestamp is not a valid date', {});
  }
  return timestamp.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function checkedExpression(expression: string, pkg: Package): string {
  if (expression.trim() === '') throw invalid(`package ${pkg.id} has an empty license expression`, { id: pkg.id });
  return expression;
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Code-unit order: the same on every machine, unlike `localeCompare`. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function invalid(message: string, details: Record<string, unknown>): UsageError {
  return new UsageError('INVALID_ARGUMENT', `cannot serialize the SBOM as SPDX: ${message}`, { details });
}
