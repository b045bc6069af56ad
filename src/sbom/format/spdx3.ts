/**
 * SPDX 3.0.1 JSON-LD serializer (Core, Software, SimpleLicensing and ExpandedLicensing
 * profiles). sealkit writes it itself and checks it against the official JSON schema in its
 * conformance tests.
 *
 * Shape of the `@graph`:
 * - one `CreationInfo` (a blank node every element refers to): spec version 3.0.1, the
 *   timestamp, created by sealkit as a `SoftwareAgent`, using sealkit as a `Tool`;
 * - the `SpdxDocument` (CC0-1.0 data license), whose root element is a `software_Sbom` of type
 *   `analyzed` for an image and `source` for a directory or lockfile;
 * - the subject, the Sbom's root element: the one project a source describes (an
 *   `application` package with its version and purl), or else the scanned source: the image (a
 *   `container` package versioned and hashed by its manifest digest) or the directory or
 *   lockfile (an `application`). It `contains` every other package; with several projects, each
 *   is an `application` package that the source contains;
 * - the distro, when known, an `operatingSystem` package; each model package a `library`
 *   `software_Package` with its version, purl (also as an external identifier), supplier (a
 *   `Person` or `Organization` element), home page, summary, description and where it was found;
 * - licenses: each package `hasDeclaredLicense` a `simplelicensing_LicenseExpression` (the
 *   licenses joined with AND; a license name is a `LicenseRef-` mapped to an
 *   `expandedlicensing_CustomLicense` holding it) or, with none known, the `NoAssertionLicense`
 *   individual; `hasConcludedLicense` is always `NoAssertionLicense`, as sealkit concludes nothing;
 * - relationships, one per source, type and scope with their targets sorted: `depends-on` is
 *   `dependsOn`; `dev-depends-on` a `LifecycleScopedRelationship` `dependsOn` with scope
 *   `development`; `optional-depends-on` `hasOptionalDependency`; `contains` and `owns` are
 *   `contains`, an ownership one saying so in its comment (as in SPDX 2.3). A package locked only
 *   for development also says so in its comment.
 *
 * Element ids are IRIs under a document namespace derived from the content, like the SPDX 2.3
 * namespace: the graph is built once under a stand-in namespace, hashed, and built again under
 * the namespace that names its digest. The same input gives the same bytes.
 * @module
 */
import { createHash } from 'node:crypto';
import { UsageError } from '../../errors.js';
import type { Distro, Package, Project, Relationship, Sbom, SourceDescription } from '../model.js';
import { encodeJson, hashJson, jsonPieces } from './json-text.js';
import { expressionLicenseRefs, idString, licenseRefIds } from './license-ref.js';
import { parseParty } from './party.js';
import { declaredLicense, describe, DEV_COMMENT, OWNERSHIP_COMMENT, sourceInfo, spdxTimestamp } from './spdx.js';
import { isWebUrl } from './web-url.js';

/** The JSON-LD context every SPDX 3.0.1 document names. */
export const SPDX3_CONTEXT = 'https://spdx.org/rdf/3.0.1/spdx-context.jsonld';
const NAMESPACE_BASE = 'https://sealkit.dev/spdxdocs';
const CREATION_INFO = '_:creationinfo';
const NO_ASSERTION_LICENSE = 'expandedlicensing_NoAssertionLicense';
const NOASSERTION = 'NOASSERTION';

/** A node of the graph: a plain JSON object with its `type`. */
type Node = { type: string } & Record<string, unknown>;

interface Spdx3Document {
  '@context': typeof SPDX3_CONTEXT;
  '@graph': Node[];
}

/**
 * Serializes `sbom` as an SPDX 3.0.1 JSON-LD document: pretty-printed with two spaces and a
 * trailing newline, byte-identical for the same input.
 * @throws {@link UsageError} `INVALID_ARGUMENT` when the model is inconsistent (duplicate or
 * empty package or project ids, a relationship naming an unknown one, an empty license
 * expression, an invalid timestamp).
 */
export function serializeSpdx3Json(sbom: Sbom): string {
  return [...jsonPieces(spdx3Document(sbom), 2), '\n'].join('');
}

/** The UTF-8 bytes of {@link serializeSpdx3Json}'s document, encoded a piece at a time. */
export function encodeSpdx3Json(sbom: Sbom): Buffer {
  return encodeJson(spdx3Document(sbom), '\n');
}

function spdx3Document(sbom: Sbom): Spdx3Document {
  const stem = `${NAMESPACE_BASE}/${sbom.source.kind}-${idString(sbom.source.name)}`;
  // half the SHA-256 (128 bits) is unique enough, and every element id repeats it
  const digest = hashJson(createHash('sha256'), buildGraph(sbom, stem)).digest('hex').slice(0, 32);
  return buildGraph(sbom, `${stem}-${digest}`);
}

/** Assigns the graph's element ids under one namespace. */
class Ids {
  readonly namespace: string;
  constructor(namespace: string) {
    this.namespace = namespace;
  }
  local(name: string): string {
    return `${this.namespace}#${name}`;
  }
  hashed(prefix: string, key: string): string {
    return this.local(`${prefix}-${sha256(key).slice(0, 16)}`);
  }
}

function buildGraph(sbom: Sbom, namespace: string): Spdx3Document {
  const ids = new Ids(namespace);
  const created = spdxTimestamp(sbom.timestamp);
  const agentId = ids.local(`SoftwareAgent-${idString(sbom.tool.name)}`);
  const toolId = ids.local(`Tool-${idString(sbom.tool.name)}-${idString(sbom.tool.version)}`);
  const common = (type: string, spdxId: string): Node => ({ type, spdxId, creationInfo: CREATION_INFO });

  const projects = [...(sbom.projects ?? [])].sort((a, b) => compareStrings(a.id, b.id));
  const [onlyProject] = projects;
  const subjectIsProject = onlyProject !== undefined && projects.length === 1;
  const root = subjectIsProject ? projectNode(onlyProject, ids, common) : sourceNode(sbom.source, ids, common);
  const rootId = String(root.spdxId);

  const byModelId = new Map<string, string>();
  const claim = (id: string, name: string, spdxId: string): void => {
    if (id === '') throw invalid('a package or project has an empty id', { name });
    if (byModelId.has(id)) throw invalid(`package or project id ${id} is not unique`, { id });
    byModelId.set(id, spdxId);
  };
  const packages: Node[] = [];
  for (const project of projects) {
    if (subjectIsProject) {
      claim(project.id, project.name, rootId);
      continue;
    }
    const part = projectNode(project, ids, common);
    claim(project.id, project.name, String(part.spdxId));
    packages.push(part);
  }
  if (sbom.distro !== undefined) packages.push(distroNode(sbom.distro, ids, common));

  const licenseRefs = licenseRefIds(sbom.packages.flatMap((pkg) => pkg.licenses));
  const customLicenses = customLicenseNodes(sbom, licenseRefs, ids, common);
  const agents = new Map<string, Node>();
  const expressions = new Map<string, Node>();
  const edges: Edge[] = [];
  for (const pkg of sbom.packages) {
    const node = packageNode(pkg, ids, common, agents);
    claim(pkg.id, pkg.name, String(node.spdxId));
    packages.push(node);
    const declared = declaredLicense(pkg, licenseRefs);
    let declaredId = NO_ASSERTION_LICENSE;
    if (declared !== NOASSERTION) {
      const expression = expressions.get(declared) ?? licenseExpressionNode(declared, ids, common);
      expressions.set(declared, expression);
      declaredId = String(expression.spdxId);
    }
    edges.push({ from: String(node.spdxId), type: 'hasDeclaredLicense', to: declaredId });
    edges.push({ from: String(node.spdxId), type: 'hasConcludedLicense', to: NO_ASSERTION_LICENSE });
  }
  for (const node of packages) edges.push({ from: rootId, type: 'contains', to: String(node.spdxId) });
  for (const relationship of sbom.relationships) edges.push(modelEdge(relationship, byModelId));
  const relationships = relationshipNodes(edges, ids, common);

  packages.sort(bySpdxId);
  const licenses = [...customLicenses, ...expressions.values()].sort(bySpdxId);
  const dataLicenseId = ids.local('DataLicense-CC0-1.0');
  const dataLicense: Node = { ...common('simplelicensing_LicenseExpression', dataLicenseId), simplelicensing_licenseExpression: 'CC0-1.0' };
  const elements: Node[] = [
    { ...common('SoftwareAgent', agentId), name: sbom.tool.name },
    { ...common('Tool', toolId), name: `${sbom.tool.name}-${sbom.tool.version}` },
    dataLicense,
    root,
    ...packages,
    ...[...agents.values()].sort(bySpdxId),
    ...licenses,
    ...relationships,
  ];
  const sbomId = ids.local('Sbom');
  const sbomNode: Node = {
    ...common('software_Sbom', sbomId),
    name: sbom.source.name,
    software_sbomType: [sbom.source.kind === 'image' ? 'analyzed' : 'source'],
    rootElement: [rootId],
    element: elements.map((node) => String(node.spdxId)),
  };
  const document: Node = {
    ...common('SpdxDocument', namespace),
    name: sbom.source.name,
    dataLicense: dataLicenseId,
    profileConformance: ['core', 'software', 'simpleLicensing', 'expandedLicensing'],
    rootElement: [sbomId],
    element: [sbomId, ...elements.map((node) => String(node.spdxId))],
  };
  const creationInfo: Node = {
    type: 'CreationInfo',
    '@id': CREATION_INFO,
    specVersion: '3.0.1',
    created,
    createdBy: [agentId],
    createdUsing: [toolId],
  };
  return { '@context': SPDX3_CONTEXT, '@graph': [creationInfo, document, sbomNode, ...elements] };
}

type Common = (type: string, spdxId: string) => Node;

function sourceNode(source: SourceDescription, ids: Ids, common: Common): Node {
  if (source.kind !== 'image') {
    return { ...common('software_Package', ids.local(`Source-${idString(source.name)}`)), name: source.name, software_primaryPurpose: 'application' };
  }
  const manifestHex = /^sha256:([0-9a-f]{64})$/.exec(source.manifestDigest ?? '')?.[1];
  return {
    ...common('software_Package', ids.local(`Image-${idString(source.name)}`)),
    name: source.name,
    verifiedUsing: manifestHex === undefined ? undefined : [{ type: 'Hash', algorithm: 'sha256', hashValue: manifestHex }],
    software_packageVersion: source.manifestDigest ?? source.imageId,
    software_primaryPurpose: 'container',
  };
}

function projectNode(project: Project, ids: Ids, common: Common): Node {
  const purl = project.purl === '' ? undefined : project.purl;
  return {
    ...common('software_Package', ids.hashed(`Project-${idString(project.name)}`, project.id)),
    name: project.name,
    externalIdentifier: purlIdentifier(purl),
    software_packageUrl: purl,
    software_packageVersion: project.version === '' ? undefined : project.version,
    software_primaryPurpose: 'application',
    software_sourceInfo: `described by ${project.locations.map((l) => (l.layer === undefined ? l.path : `${l.path} (layer ${l.layer})`)).join(', ')}`,
  };
}

function distroNode(distro: Distro, ids: Ids, common: Common): Node {
  return {
    ...common('software_Package', ids.local(`OperatingSystem-${idString(distro.id)}`)),
    name: distro.id,
    description: distro.prettyName,
    software_packageVersion: distro.version ?? distro.versionId,
    software_primaryPurpose: 'operatingSystem',
  };
}

function packageNode(pkg: Package, ids: Ids, common: Common, agents: Map<string, Node>): Node {
  const homepage = pkg.homepage !== undefined && isWebUrl(pkg.homepage) ? pkg.homepage : undefined;
  const purl = pkg.purl === '' ? undefined : pkg.purl;
  const notes = [
    pkg.dev === true ? DEV_COMMENT : undefined,
    pkg.homepage !== undefined && homepage === undefined ? `homepage as declared (not a URL): ${pkg.homepage}` : undefined,
  ].filter((note) => note !== undefined);
  return {
    ...common('software_Package', ids.hashed(`Package-${idString(pkg.type)}-${idString(pkg.name)}`, pkg.id)),
    name: pkg.name,
    ...describe(pkg.description),
    comment: notes.length > 0 ? notes.join('; ') : undefined,
    externalIdentifier: purlIdentifier(purl),
    suppliedBy: pkg.supplier === undefined ? undefined : supplierId(pkg.supplier, ids, common, agents),
    software_homePage: homepage,
    software_packageUrl: purl,
    software_packageVersion: pkg.version === '' ? undefined : pkg.version,
    software_primaryPurpose: 'library',
    software_sourceInfo: sourceInfo(pkg.foundBy, pkg.locations),
  };
}

function purlIdentifier(purl: string | undefined): Node[] | undefined {
  return purl === undefined ? undefined : [{ type: 'ExternalIdentifier', externalIdentifierType: 'packageUrl', identifier: purl }];
}

/** The id of the Person or Organization element for a supplier, made once per distinct party. */
function supplierId(supplier: string, ids: Ids, common: Common, agents: Map<string, Node>): string {
  const party = parseParty(supplier);
  const key = `${party.kind}\0${party.name}\0${party.email ?? ''}`;
  let agent = agents.get(key);
  if (agent === undefined) {
    agent = {
      ...common(party.kind, ids.hashed(`${party.kind}-${idString(party.name)}`, key)),
      name: party.name,
      externalIdentifier:
        party.email === undefined ? undefined : [{ type: 'ExternalIdentifier', externalIdentifierType: 'email', identifier: party.email }],
    };
    agents.set(key, agent);
  }
  return String(agent.spdxId);
}

/**
 * One `CustomLicense` per `LicenseRef-` the document uses: a license name, whose verbatim text is
 * its name and its license text, or a reference that a model expression made, whose text was not
 * captured.
 */
function customLicenseNodes(sbom: Sbom, licenseRefs: ReadonlyMap<string, string>, ids: Ids, common: Common): Node[] {
  const named = [...licenseRefs].map(([name, ref]): Node => ({
    ...common('expandedlicensing_CustomLicense', ids.local(ref)),
    name,
    simplelicensing_licenseText: name,
  }));
  const referenced = expressionLicenseRefs(sbom.packages.flatMap((pkg) => pkg.licenses)).map(
    (ref): Node => ({
      ...common('expandedlicensing_CustomLicense', ids.local(ref)),
      name: ref,
      comment: 'the package declared this license reference; its text was not captured',
      simplelicensing_licenseText: NOASSERTION,
    }),
  );
  return [...named, ...referenced];
}

/** A license expression element, mapping each `LicenseRef-` it uses to its CustomLicense element. */
function licenseExpressionNode(expression: string, ids: Ids, common: Common): Node {
  const refs = [...new Set([...expression.matchAll(/(?<![\w.:-])LicenseRef-[A-Za-z0-9.-]+/g)].map((m) => m[0]))].sort(compareStrings);
  return {
    ...common('simplelicensing_LicenseExpression', ids.hashed('LicenseExpression', expression)),
    simplelicensing_customIdToUri: refs.length > 0 ? refs.map((ref) => ({ type: 'DictionaryEntry', key: ref, value: ids.local(ref) })) : undefined,
    simplelicensing_licenseExpression: expression,
  };
}

interface Edge {
  from: string;
  type: 'contains' | 'dependsOn' | 'hasOptionalDependency' | 'hasDeclaredLicense' | 'hasConcludedLicense';
  to: string;
  scope?: 'development';
  comment?: string;
}

function modelEdge(relationship: Relationship, byModelId: ReadonlyMap<string, string>): Edge {
  const from = byModelId.get(relationship.from);
  const to = byModelId.get(relationship.to);
  if (from === undefined || to === undefined) {
    const missing = from === undefined ? relationship.from : relationship.to;
    throw invalid(`a relationship names ${missing}, which is not a package or project of this SBOM`, { ...relationship });
  }
  switch (relationship.type) {
    case 'depends-on':
      return { from, type: 'dependsOn', to };
    case 'dev-depends-on':
      return { from, type: 'dependsOn', to, scope: 'development' };
    case 'optional-depends-on':
      return { from, type: 'hasOptionalDependency', to };
    case 'contains':
      return { from, type: 'contains', to };
    case 'owns':
      return { from, type: 'contains', to, comment: OWNERSHIP_COMMENT };
    default:
      // reachable from JavaScript callers, whom the type does not bind
      throw invalid(`unknown relationship type ${JSON.stringify(relationship.type)}`, { ...relationship });
  }
}

/**
 * One relationship element per (from, type, scope, comment), its targets sorted and each once.
 * A pair that is both contained and owned is one ownership `contains`, as in SPDX 2.3.
 */
function relationshipNodes(edges: readonly Edge[], ids: Ids, common: Common): Node[] {
  const owned = new Set(edges.filter((e) => e.comment !== undefined).map((e) => `${e.from}\0${e.to}`));
  const groups = new Map<string, { edge: Edge; targets: Set<string> }>();
  for (const edge of edges) {
    if (edge.type === 'contains' && edge.comment === undefined && owned.has(`${edge.from}\0${edge.to}`)) continue;
    const key = [edge.from, edge.type, edge.scope ?? '', edge.comment ?? ''].join('\0');
    const group = groups.get(key) ?? { edge, targets: new Set<string>() };
    group.targets.add(edge.to);
    groups.set(key, group);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => compareStrings(a, b))
    .map(([key, { edge, targets }]): Node => ({
      ...common(edge.scope === undefined ? 'Relationship' : 'LifecycleScopedRelationship', ids.hashed('Relationship', key)),
      comment: edge.comment,
      from: edge.from,
      relationshipType: edge.type,
      to: [...targets].sort(compareStrings),
      scope: edge.scope,
    }));
}

function bySpdxId(a: Node, b: Node): number {
  return compareStrings(String(a.spdxId), String(b.spdxId));
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Code-unit order: the same on every machine, unlike `localeCompare`. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function invalid(message: string, details: Record<string, unknown>): UsageError {
  return new UsageError('INVALID_ARGUMENT', `cannot serialize the SBOM as SPDX 3: ${message}`, { details });
}
