/**
 * CycloneDX JSON serializer for spec versions 1.6, 1.5 and 1.4, built on
 * `@cyclonedx/cyclonedx-library`: sealkit's model becomes the library's models, the library's
 * normalizer shapes them for the requested spec version, and sealkit then adds the two things
 * the library does not do for it: `evidence.occurrences` (not in the library's model) and a
 * serial number derived from the document's content.
 *
 * The library's `JsonSerializer` is not used because it returns a finished string; its own
 * normalizer is, so that these additions happen before serialization rather than through a
 * parse and re-serialize round trip.
 *
 * Determinism: the library's list sorting compares with `localeCompare`, which depends on the
 * machine's locale, so sealkit inserts everything already sorted by code unit and normalizes
 * with `sortLists` off.
 * @module
 */
import { createHash, type Hash } from 'node:crypto';
// The library's parts by their own entry points: its root also loads the validators (ajv and
// its formats, when installed), whose code and schemas a serializer never uses (~6 MiB RSS).
import * as Enums from '@cyclonedx/cyclonedx-library/Enums';
import * as Models from '@cyclonedx/cyclonedx-library/Models';
import * as SPDX from '@cyclonedx/cyclonedx-library/SPDX';
import * as Serialize from '@cyclonedx/cyclonedx-library/Serialize';
import * as Spec from '@cyclonedx/cyclonedx-library/Spec';
import { UsageError } from '../../errors.js';
import type { Distro, Package, Relationship, Sbom, SourceDescription } from '../model.js';
import { encodeJson, hashJson, jsonPieces } from './json-text.js';
import { licenseRefIds } from './license-ref.js';
import { parseParty } from './party.js';
import { isWebUrl } from './web-url.js';

/** The CycloneDX spec versions sealkit writes. */
export type CycloneDxVersion = '1.6' | '1.5' | '1.4';

const SPECS = {
  '1.6': Spec.Spec1dot6,
  '1.5': Spec.Spec1dot5,
  '1.4': Spec.Spec1dot4,
} as const;

/** UUID namespace of sealkit's CycloneDX serial numbers (RFC 9562 name-based UUIDs). */
const SERIAL_NUMBER_NAMESPACE = '6c70567d-585f-43ee-8611-e32e1be2c971';

type NormalizedBom = Serialize.JSON.Types.Normalized.Bom;
type NormalizedComponent = Serialize.JSON.Types.Normalized.Component;

interface Occurrence {
  location: string;
  additionalContext?: string;
}

/**
 * Serializes `sbom` as a CycloneDX JSON document of spec `version`: pretty-printed with two
 * spaces and a trailing newline, byte-identical for the same input.
 *
 * The document:
 * - `metadata.component` is the scanned source: the image (`container`, version = manifest digest
 *   or image id, image and layer facts as `sealkit:image:*` properties) or the directory or
 *   lockfile (`application`); `metadata.tools` names sealkit (as `tools.components` from 1.5 on);
 * - the distro, when known, is an `operating-system` component;
 * - every package is a `library` component whose bom-ref is its {@link Package.id}, with
 *   `sealkit:package:*`, `sealkit:location:<n>:*` and `sealkit:metadata:<key>` properties and, from
 *   1.5 on, `evidence.occurrences` (1.6 names the layer in `additionalContext`);
 * - `dependencies` lists every component; each `dependsOn` holds the targets of the package's
 *   relationships of every type. CycloneDX has no edge types, so an edge other than `depends-on`
 *   is also recorded on its source as a `sealkit:relationship:<type>` property naming the
 *   target's bom-ref (`dev-depends-on`, `optional-depends-on`, `contains`, `owns`). The source
 *   component has no `dependsOn`: the model records what a source contains, not which packages
 *   it uses directly;
 * - containment (`contains`: a jar nested in a fat jar) and ownership (`owns`: the deb that
 *   installed a Python distribution) are `dependsOn` edges too, not nested `components`. Nesting
 *   is the spec's form for assemblies, but a component appears once in a BOM (every bom-ref is
 *   unique) and so under one parent only, while one package is often held by several: a Debian
 *   jar is owned by its deb and nested in an application's fat jar. A `dependsOn` edge from the
 *   holder says what a consumer needs to know: a flaw in the held package is a flaw in its
 *   holder. syft writes archive nesting the same way (its Java cataloger's dependency-of edges);
 *   trivy writes its own `contains` relationships as `dependsOn`;
 * - licenses are encoded as {@link licenseChoice} describes;
 * - `serialNumber` is a name-based UUID over the rest of the document, so equal inputs give equal
 *   documents and any change gives a new serial number. (The spec suggests a fresh serial number
 *   per generation; sealkit prefers reproducible builds, where regenerating must give the same bytes.)
 *
 * @throws {@link UsageError} `INVALID_ARGUMENT` when the model is inconsistent (duplicate or
 * empty package ids, a relationship naming an unknown package, an empty license expression,
 * an invalid timestamp).
 */
export function serializeCycloneDxJson(sbom: Sbom, version: CycloneDxVersion): string {
  return [...jsonPieces(cycloneDxDocument(sbom, version), 2), '\n'].join('');
}

/**
 * The UTF-8 bytes of {@link serializeCycloneDxJson}'s document, encoded a piece at a time: the
 * text is never held as one string (see `json-text.ts`).
 */
export function encodeCycloneDxJson(sbom: Sbom, version: CycloneDxVersion): Buffer {
  return encodeJson(cycloneDxDocument(sbom, version), '\n');
}

function cycloneDxDocument(sbom: Sbom, version: CycloneDxVersion): NormalizedBom {
  const factory = new Serialize.JSON.Normalize.Factory(SPECS[version]);
  const normalized = factory.makeForBom().normalize(buildBom(sbom), { sortLists: false });
  if (version !== '1.4') addOccurrences(normalized, sbom, version);
  normalized.dependencies?.sort((a, b) => compareStrings(a.ref, b.ref));
  // over the compact JSON text of the rest of the document, fed to the hash piece by piece
  normalized.serialNumber = `urn:uuid:${uuidOf(SERIAL_NUMBER_NAMESPACE, (hash) => hashJson(hash, normalized))}`;
  return normalized;
}

function buildBom(sbom: Sbom): Models.Bom {
  if (!(sbom.timestamp instanceof Date) || Number.isNaN(sbom.timestamp.getTime())) {
    throw invalid('the SBOM timestamp is not a valid date', {});
  }
  const packages = [...sbom.packages].sort((a, b) => compareStrings(a.purl, b.purl) || compareStrings(a.id, b.id));
  const taken = new Set<string>();
  for (const pkg of packages) {
    if (pkg.id === '') throw invalid('a package has an empty id', { name: pkg.name });
    if (taken.has(pkg.id)) throw invalid(`package id ${pkg.id} is not unique`, { id: pkg.id });
    taken.add(pkg.id);
  }

  const bom = new Models.Bom();
  bom.metadata.timestamp = sbom.timestamp;
  bom.metadata.tools.components.add(
    new Models.Component(Enums.ComponentType.Application, sbom.tool.name, { version: sbom.tool.version }),
  );
  bom.metadata.component = sourceComponent(sbom, freeRef(`source:${sbom.source.kind}:${sbom.source.name}`, taken));
  if (sbom.distro !== undefined) {
    const ref = freeRef(`distro:${sbom.distro.id}@${sbom.distro.version ?? sbom.distro.versionId ?? ''}`, taken);
    bom.components.add(distroComponent(sbom.distro, ref));
  }

  const licenseRefs = licenseRefIds(packages.flatMap((pkg) => pkg.licenses));
  const outgoing = outgoingEdges(sbom.relationships, taken);
  const components = new Map<string, Models.Component>();
  for (const pkg of packages) {
    const component = packageComponent(pkg, licenseRefs, outgoing.get(pkg.id) ?? []);
    components.set(pkg.id, component);
    bom.components.add(component);
  }
  for (const [from, edges] of outgoing) {
    const source = components.get(from);
    for (const edge of edges) {
      const target = components.get(edge.to);
      if (source !== undefined && target !== undefined) source.dependencies.add(target.bomRef);
    }
  }
  return bom;
}

function sourceComponent(sbom: Sbom, ref: string): Models.Component {
  const { source } = sbom;
  const properties: Array<[string, string | undefined]> = [['sealkit:source:scheme', source.scheme]];
  if (source.kind !== 'image') {
    return new Models.Component(Enums.ComponentType.Application, source.name, {
      bomRef: ref,
      properties: propertyList(properties),
    });
  }
  properties.push(
    ['sealkit:image:id', source.imageId],
    ['sealkit:image:manifestDigest', source.manifestDigest],
    ['sealkit:image:platform', source.platform],
    ['sealkit:image:tag', source.tag],
    ['sealkit:image:scope', sbom.scope],
    ...layerProperties(source),
  );
  const hashes = new Models.HashDictionary();
  const manifestHex = /^sha256:([0-9a-f]{64})$/.exec(source.manifestDigest ?? '')?.[1];
  if (manifestHex !== undefined) hashes.set(Enums.HashAlgorithm['SHA-256'], manifestHex);
  return new Models.Component(Enums.ComponentType.Container, source.name, {
    bomRef: ref,
    version: source.manifestDigest ?? source.imageId,
    hashes,
    properties: propertyList(properties),
  });
}

function layerProperties(source: SourceDescription): Array<[string, string | undefined]> {
  const layers = [...source.layers].sort((a, b) => a.index - b.index);
  return layers.flatMap((layer): Array<[string, string | undefined]> => {
    const prefix = `sealkit:image:layer:${layer.index}`;
    return [
      [`${prefix}:diffID`, layer.diffID],
      [`${prefix}:digest`, layer.digest],
      [`${prefix}:mediaType`, layer.mediaType],
      [`${prefix}:size`, layer.size?.toString()],
      [`${prefix}:createdBy`, layer.createdBy],
    ];
  });
}

function distroComponent(distro: Distro, ref: string): Models.Component {
  return new Models.Component(Enums.ComponentType.OperatingSystem, distro.id, {
    bomRef: ref,
    version: distro.version ?? distro.versionId,
    description: distro.prettyName,
    properties: propertyList([
      ['sealkit:distro:versionId', distro.versionId],
      ['sealkit:distro:codename', distro.codename],
      // os-release writes ID_LIKE space-separated; keep that form.
      ['sealkit:distro:idLike', distro.idLike?.join(' ')],
    ]),
  });
}

function packageComponent(pkg: Package, licenseRefs: ReadonlyMap<string, string>, edges: readonly Relationship[]): Models.Component {
  const { licenses, refProperties } = licenseChoice(pkg, licenseRefs);
  const homepage = pkg.homepage !== undefined && isWebUrl(pkg.homepage) ? pkg.homepage : undefined;
  const properties: Array<[string, string | undefined]> = [
    ['sealkit:package:foundBy', pkg.foundBy],
    ['sealkit:package:type', pkg.type],
    // a homepage that is not a URL would make the website reference invalid; keep it here instead
    ['sealkit:package:homepage', homepage === undefined ? pkg.homepage : undefined],
    ...pkg.locations.flatMap((location, n): Array<[string, string | undefined]> => [
      [`sealkit:location:${n}:path`, location.path],
      [`sealkit:location:${n}:layerID`, location.layer],
    ]),
    ...Object.keys(pkg.metadata)
      .sort(compareStrings)
      .map((key): [string, string | undefined] => [`sealkit:metadata:${key}`, pkg.metadata[key]]),
    ...refProperties,
    ...edges
      .filter((edge) => edge.type !== 'depends-on')
      .map((edge): [string, string] => [`sealkit:relationship:${edge.type}`, edge.to]),
  ];
  const component = new Models.Component(Enums.ComponentType.Library, pkg.name, {
    bomRef: pkg.id,
    version: pkg.version === '' ? undefined : pkg.version,
    description: pkg.description === '' ? undefined : pkg.description,
    purl: pkg.purl === '' ? undefined : pkg.purl,
    licenses: new Models.LicenseRepository(licenses),
    properties: propertyList(properties),
  });
  if (homepage !== undefined) {
    component.externalReferences.add(new Models.ExternalReference(homepage, Enums.ExternalReferenceType.Website));
  }
  if (pkg.supplier !== undefined) {
    const party = parseParty(pkg.supplier);
    if (party.kind === 'Person') {
      component.author = pkg.supplier.trim().replace(/^person\s*:\s*/i, '');
    } else {
      const contact = new Models.OrganizationalContactRepository();
      if (party.email !== undefined) contact.add(new Models.OrganizationalContact({ email: party.email }));
      component.supplier = new Models.OrganizationalEntity({ name: party.name, contact });
    }
  }
  return component;
}

type LicenseTerm = { kind: 'id' | 'name' | 'expression'; text: string };

/**
 * Encodes a package's licenses in a form every CycloneDX version accepts (1.5 and later allow
 * either a list of `license` objects or exactly one `expression`, never both), without losing
 * any of them. The model's list means "all of these" (SPDX `AND`).
 *
 * - no licenses: no `licenses` field;
 * - only SPDX license-list ids and names: one `license` each, `{id}` or `{name}` (verbatim);
 * - otherwise (any compound expression, or an id the CycloneDX license list lacks such as a
 *   `LicenseRef-`): one `expression`, the terms joined with `AND`, compound ones in parentheses.
 *   A name in such a mixture appears as the same `LicenseRef-` id the SPDX output uses, and a
 *   `sealkit:license:<LicenseRef-id>` property on the component holds its verbatim text.
 *
 * The same encoding is used for 1.4, although 1.4 would accept a mixed list, so that a
 * document's meaning does not depend on the spec version chosen.
 */
function licenseChoice(
  pkg: Package,
  licenseRefs: ReadonlyMap<string, string>,
): { licenses: Models.License[]; refProperties: Array<[string, string]> } {
  const seen = new Set<string>();
  const terms: LicenseTerm[] = [];
  for (const license of pkg.licenses) {
    const term: LicenseTerm =
      'name' in license
        ? { kind: 'name', text: license.name }
        : { kind: SPDX.isSupportedSpdxId(license.expression) ? 'id' : 'expression', text: license.expression };
    if (term.kind !== 'name' && term.text.trim() === '') {
      throw invalid(`package ${pkg.id} has an empty license expression`, { id: pkg.id });
    }
    const key = `${term.kind}\0${term.text}`;
    if (!seen.has(key)) terms.push(term);
    seen.add(key);
  }
  if (terms.every((term) => term.kind !== 'expression')) {
    return {
      licenses: terms.map((term) => (term.kind === 'id' ? new Models.SpdxLicense(term.text) : new Models.NamedLicense(term.text))),
      refProperties: [],
    };
  }
  const refProperties: Array<[string, string]> = [];
  const parts = terms.map((term) => {
    if (term.kind !== 'name') return terms.length > 1 && /\s/.test(term.text) ? `(${term.text})` : term.text;
    const ref = licenseRefs.get(term.text) ?? 'NOASSERTION';
    refProperties.push([`sealkit:license:${ref}`, term.text]);
    return ref;
  });
  return { licenses: [new Models.LicenseExpression(parts.join(' AND '))], refProperties };
}

/** Relationships grouped by their source, in target order, each checked against the package ids. */
function outgoingEdges(relationships: readonly Relationship[], ids: ReadonlySet<string>): Map<string, Relationship[]> {
  const sorted = [...relationships].sort(
    (a, b) => compareStrings(a.from, b.from) || compareStrings(a.to, b.to) || compareStrings(a.type, b.type),
  );
  const outgoing = new Map<string, Relationship[]>();
  for (const relationship of sorted) {
    for (const end of [relationship.from, relationship.to]) {
      if (!ids.has(end)) {
        throw invalid(`a relationship names ${end}, which is not a package of this SBOM`, { ...relationship });
      }
    }
    const list = outgoing.get(relationship.from) ?? [];
    const duplicate = list.some((r) => r.to === relationship.to && r.type === relationship.type);
    if (!duplicate) list.push(relationship);
    outgoing.set(relationship.from, list);
  }
  return outgoing;
}

function addOccurrences(normalized: NormalizedBom, sbom: Sbom, version: Exclude<CycloneDxVersion, '1.4'>): void {
  const byRef = new Map<string, NormalizedComponent>();
  for (const component of normalized.components ?? []) {
    if (component['bom-ref'] !== undefined) byRef.set(component['bom-ref'], component);
  }
  for (const pkg of sbom.packages) {
    const component = byRef.get(pkg.id);
    if (component === undefined || pkg.locations.length === 0) continue;
    const occurrences = pkg.locations.map((location): Occurrence => {
      const occurrence: Occurrence = { location: location.path };
      if (version === '1.6' && location.layer !== undefined) occurrence.additionalContext = `layerID: ${location.layer}`;
      return occurrence;
    });
    component.evidence = { ...component.evidence, occurrences } as NormalizedComponent['evidence'];
  }
}

function propertyList(entries: ReadonlyArray<readonly [string, string | undefined]>): Models.PropertyRepository {
  const properties = new Models.PropertyRepository();
  for (const [name, value] of entries) if (value !== undefined) properties.add(new Models.Property(name, value));
  return properties;
}

/** `base`, or `base-2`, `base-3`… when a package id already uses it; the result is reserved. */
function freeRef(base: string, taken: Set<string>): string {
  let ref = base;
  for (let n = 2; taken.has(ref); n++) ref = `${base}-${n}`;
  taken.add(ref);
  return ref;
}

/**
 * A name-based (version 5, SHA-1) UUID of `name` in `namespace`, as RFC 9562 defines it.
 * Exported so that tests can check it against the RFC's published examples.
 */
export function nameBasedUuid(namespace: string, name: string): string {
  return uuidOf(namespace, (hash) => hash.update(name, 'utf8'));
}

/** {@link nameBasedUuid} of the name that `feed` writes into the hash. */
function uuidOf(namespace: string, feed: (hash: Hash) => void): string {
  const namespaceBytes = Buffer.from(namespace.replaceAll('-', ''), 'hex');
  if (namespaceBytes.length !== 16) throw new UsageError('INVALID_ARGUMENT', `not a UUID: ${namespace}`);
  const hash = createHash('sha1').update(namespaceBytes);
  feed(hash);
  const bytes = hash.digest().subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Code-unit order: the same on every machine, unlike `localeCompare`. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function invalid(message: string, details: Record<string, unknown>): UsageError {
  return new UsageError('INVALID_ARGUMENT', `cannot serialize the SBOM as CycloneDX: ${message}`, { details });
}
