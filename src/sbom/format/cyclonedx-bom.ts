/**
 * sealkit's model as the CycloneDX library's `Bom` model: what the JSON and the XML serializers
 * share. Everything is inserted already sorted by code unit, because the library's own list
 * sorting compares with `localeCompare`, which depends on the machine's locale; the serializers
 * normalize with `sortLists` off.
 * @module
 */
import { createHash, type Hash } from 'node:crypto';
// The library's parts by their own entry points: its root also loads the validators (ajv and
// its formats, when installed), whose code and schemas a serializer never uses (~6 MiB RSS).
import * as Enums from '@cyclonedx/cyclonedx-library/Enums';
import * as Models from '@cyclonedx/cyclonedx-library/Models';
import * as SPDX from '@cyclonedx/cyclonedx-library/SPDX';
import * as Spec from '@cyclonedx/cyclonedx-library/Spec';
import { UsageError } from '../../errors.js';
import type { Distro, Package, Project, Relationship, Sbom, SourceDescription } from '../model.js';
import { licenseRefIds } from './license-ref.js';
import { parseParty } from './party.js';
import { isWebUrl } from './web-url.js';

/** The CycloneDX spec versions sealkit writes. */
export type CycloneDxVersion = '1.7' | '1.6' | '1.5' | '1.4';

/** The library's description of each spec version: what it may hold and how it is spelled. */
export const SPECS: Readonly<Record<CycloneDxVersion, (typeof Spec)['Spec1dot6']>> = {
  '1.7': Spec.Spec1dot7,
  '1.6': Spec.Spec1dot6,
  '1.5': Spec.Spec1dot5,
  '1.4': Spec.Spec1dot4,
};

/** UUID namespace of sealkit's CycloneDX serial numbers (RFC 9562 name-based UUIDs). */
export const SERIAL_NUMBER_NAMESPACE = '6c70567d-585f-43ee-8611-e32e1be2c971';

/** The property that marks a package locked only for development (beside `scope: excluded`). */
export const DEV_PROPERTY = 'sealkit:package:dev';

/** One place a package was found, as CycloneDX 1.5+ `evidence.occurrences` records it. */
export interface Occurrence {
  location: string;
  /** Only from 1.6 on: the layer, as `layerID: sha256:…`. */
  additionalContext?: string;
}

/**
 * Builds the library's `Bom` for `sbom`:
 * - `metadata.component` is the subject: the one project when the source describes exactly one
 *   (an `application` with its purl and version, the source as `sealkit:source:*` properties),
 *   otherwise the scanned source (the image as a `container`, a directory or lockfile as an
 *   `application`) with the projects, if several, as its nested `components`;
 * - the distro, when known, is an `operating-system` component; every package is a `library`
 *   component whose bom-ref is its id; a package locked only for development has
 *   `scope: excluded` (the spec's scope for what is not needed at run time) and the property
 *   {@link DEV_PROPERTY} = `true`;
 * - every relationship is a `dependsOn` edge of its source (a package or a project); a type other
 *   than `depends-on` is also a `sealkit:relationship:<type>` property on the source.
 * @throws {@link UsageError} `INVALID_ARGUMENT` when the model is inconsistent.
 */
export function buildBom(sbom: Sbom): Models.Bom {
  if (!(sbom.timestamp instanceof Date) || Number.isNaN(sbom.timestamp.getTime())) {
    throw invalid('the SBOM timestamp is not a valid date', {});
  }
  const packages = [...sbom.packages].sort((a, b) => compareStrings(a.purl, b.purl) || compareStrings(a.id, b.id));
  const projects = [...(sbom.projects ?? [])].sort((a, b) => compareStrings(a.id, b.id));
  const taken = new Set<string>();
  for (const item of [...packages, ...projects]) {
    if (item.id === '') throw invalid('a package or project has an empty id', { name: item.name });
    if (taken.has(item.id)) throw invalid(`package or project id ${item.id} is not unique`, { id: item.id });
    taken.add(item.id);
  }

  const bom = new Models.Bom();
  bom.metadata.timestamp = sbom.timestamp;
  bom.metadata.tools.components.add(
    new Models.Component(Enums.ComponentType.Application, sbom.tool.name, { version: sbom.tool.version }),
  );
  const outgoing = outgoingEdges(sbom.relationships, taken);
  // every component that can be the source or the target of an edge, by model id
  const components = new Map<string, Models.Component>();
  const [onlyProject] = projects;
  if (onlyProject !== undefined && projects.length === 1) {
    const subject = projectComponent(onlyProject, outgoing.get(onlyProject.id) ?? [], sourceProperties(sbom));
    components.set(onlyProject.id, subject);
    bom.metadata.component = subject;
  } else {
    const subject = sourceComponent(sbom, freeRef(`source:${sbom.source.kind}:${sbom.source.name}`, taken));
    for (const project of projects) {
      const part = projectComponent(project, outgoing.get(project.id) ?? [], []);
      components.set(project.id, part);
      subject.components.add(part);
    }
    bom.metadata.component = subject;
  }
  if (sbom.distro !== undefined) {
    const ref = freeRef(`distro:${sbom.distro.id}@${sbom.distro.version ?? sbom.distro.versionId ?? ''}`, taken);
    bom.components.add(distroComponent(sbom.distro, ref));
  }

  const licenseRefs = licenseRefIds(packages.flatMap((pkg) => pkg.licenses));
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

/** What the subject says about the source when a project stands in for it. */
function sourceProperties(sbom: Sbom): Array<[string, string | undefined]> {
  return [
    ['sealkit:source:kind', sbom.source.kind],
    ['sealkit:source:name', sbom.source.name],
  ];
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
    ['sealkit:image:indexDigest', source.indexDigest],
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

/** A project: an application with its registry identity, where it is described and its edge types. */
function projectComponent(
  project: Project,
  edges: readonly Relationship[],
  extra: ReadonlyArray<readonly [string, string | undefined]>,
): Models.Component {
  return new Models.Component(Enums.ComponentType.Application, project.name, {
    bomRef: project.id,
    version: project.version === '' ? undefined : project.version,
    purl: project.purl === '' ? undefined : project.purl,
    properties: propertyList([
      ...extra,
      ...project.locations.flatMap((location, n): Array<[string, string | undefined]> => [
        [`sealkit:location:${n}:path`, location.path],
        [`sealkit:location:${n}:layerID`, location.layer],
      ]),
      ...edgeProperties(edges),
    ]),
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
    [DEV_PROPERTY, pkg.dev === true ? 'true' : undefined],
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
    ...edgeProperties(edges),
  ];
  const component = new Models.Component(Enums.ComponentType.Library, pkg.name, {
    bomRef: pkg.id,
    version: pkg.version === '' ? undefined : pkg.version,
    description: pkg.description === '' ? undefined : pkg.description,
    purl: pkg.purl === '' ? undefined : pkg.purl,
    scope: pkg.dev === true ? Enums.ComponentScope.Excluded : undefined,
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

/** CycloneDX has no edge types: a type other than `depends-on` is kept as a property of the source. */
function edgeProperties(edges: readonly Relationship[]): Array<[string, string]> {
  return edges.filter((edge) => edge.type !== 'depends-on').map((edge): [string, string] => [`sealkit:relationship:${edge.type}`, edge.to]);
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

/** Relationships grouped by their source, in target order, each checked against the package and project ids. */
function outgoingEdges(relationships: readonly Relationship[], ids: ReadonlySet<string>): Map<string, Relationship[]> {
  const sorted = [...relationships].sort(
    (a, b) => compareStrings(a.from, b.from) || compareStrings(a.to, b.to) || compareStrings(a.type, b.type),
  );
  const outgoing = new Map<string, Relationship[]>();
  for (const relationship of sorted) {
    for (const end of [relationship.from, relationship.to]) {
      if (!ids.has(end)) {
        throw invalid(`a relationship names ${end}, which is not a package or project of this SBOM`, { ...relationship });
      }
    }
    const list = outgoing.get(relationship.from) ?? [];
    const duplicate = list.some((r) => r.to === relationship.to && r.type === relationship.type);
    if (!duplicate) list.push(relationship);
    outgoing.set(relationship.from, list);
  }
  return outgoing;
}

/** Each package's locations as occurrences, by bom-ref; without layers before 1.6. */
export function occurrencesByRef(sbom: Sbom, version: Exclude<CycloneDxVersion, '1.4'>): Map<string, Occurrence[]> {
  const byRef = new Map<string, Occurrence[]>();
  for (const pkg of sbom.packages) {
    if (pkg.locations.length === 0) continue;
    byRef.set(
      pkg.id,
      pkg.locations.map((location): Occurrence => {
        const occurrence: Occurrence = { location: location.path };
        if (version !== '1.5' && location.layer !== undefined) occurrence.additionalContext = `layerID: ${location.layer}`;
        return occurrence;
      }),
    );
  }
  return byRef;
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
export function uuidOf(namespace: string, feed: (hash: Hash) => void): string {
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
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function invalid(message: string, details: Record<string, unknown>): UsageError {
  return new UsageError('INVALID_ARGUMENT', `cannot serialize the SBOM as CycloneDX: ${message}`, { details });
}
