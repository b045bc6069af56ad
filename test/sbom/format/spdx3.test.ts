import parseSpdxExpression from 'spdx-expression-parse';
import { describe, expect, it } from 'vitest';
import { isSealkitError } from '../../../src/errors.js';
import { DEV_COMMENT, OWNERSHIP_COMMENT } from '../../../src/sbom/format/spdx.js';
import { serializeSpdx3Json, SPDX3_CONTEXT } from '../../../src/sbom/format/spdx3.js';
import type { Sbom } from '../../../src/sbom/model.js';
import { directorySbom, imageSbom, projectSbom, SAMPLES, workspaceSbom } from './samples.js';

type Node = { type: string; spdxId?: string; '@id'?: string } & Record<string, unknown>;
interface Graph {
  '@context': string;
  '@graph': Node[];
}

function spdx3(sbom: Sbom): Graph {
  return JSON.parse(serializeSpdx3Json(sbom)) as Graph;
}

function nodes(graph: Graph, type: string): Node[] {
  return graph['@graph'].filter((node) => node.type === type);
}

function only(graph: Graph, type: string): Node {
  const found = nodes(graph, type);
  expect(found).toHaveLength(1);
  return found[0] as Node;
}

function pkgNamed(graph: Graph, name: string): Node {
  const found = nodes(graph, 'software_Package').find((node) => node.name === name);
  if (found === undefined) throw new Error(`no package ${name}`);
  return found;
}

function edges(graph: Graph, from: string, relationshipType: string): Node[] {
  return graph['@graph'].filter((n) => n.from === from && n.relationshipType === relationshipType);
}

function targets(graph: Graph, from: string, relationshipType: string): string[] {
  return edges(graph, from, relationshipType).flatMap((n) => n.to as string[]);
}

const id = (node: Node): string => String(node.spdxId);

describe('SPDX 3 document', () => {
  it('names the 3.0.1 context and one creation info, created by sealkit as agent and tool', () => {
    const graph = spdx3(imageSbom());
    expect(graph['@context']).toBe(SPDX3_CONTEXT);
    const info = only(graph, 'CreationInfo');
    expect(info).toMatchObject({ '@id': '_:creationinfo', specVersion: '3.0.1', created: '2025-01-02T03:04:05Z' });
    expect(info.createdBy).toEqual([id(only(graph, 'SoftwareAgent'))]);
    expect(info.createdUsing).toEqual([id(only(graph, 'Tool'))]);
    expect(only(graph, 'Tool').name).toBe('sealkit-0.1.0');
    for (const node of graph['@graph'].filter((n) => n.type !== 'CreationInfo')) expect(node.creationInfo).toBe('_:creationinfo');
  });

  it('roots the document in an Sbom whose root element is the image, a container versioned and hashed by its manifest digest', () => {
    const graph = spdx3(imageSbom());
    const document = only(graph, 'SpdxDocument');
    const sbom = only(graph, 'software_Sbom');
    expect(document.rootElement).toEqual([id(sbom)]);
    expect(sbom.software_sbomType).toEqual(['analyzed']);
    const [rootId] = sbom.rootElement as string[];
    const root = graph['@graph'].find((n) => n.spdxId === rootId);
    expect(root).toMatchObject({
      type: 'software_Package',
      name: 'registry.example/team/app:1.2',
      software_primaryPurpose: 'container',
      software_packageVersion: `sha256:${'c3'.repeat(32)}`,
      verifiedUsing: [{ type: 'Hash', algorithm: 'sha256', hashValue: 'c3'.repeat(32) }],
    });
    const contained = targets(graph, rootId ?? '', 'contains');
    expect(contained).toHaveLength(imageSbom().packages.length + 1);
    expect(contained).toContain(id(pkgNamed(graph, 'debian')));
    expect(pkgNamed(graph, 'debian').software_primaryPurpose).toBe('operatingSystem');
  });

  it('lists every element in the document and, but for itself, in the Sbom; every reference resolves', () => {
    for (const [, make] of SAMPLES) {
      const graph = spdx3(make());
      const elements = graph['@graph'].filter((n) => n.spdxId !== undefined);
      const ids = new Set(elements.map(id));
      expect(ids.size).toBe(elements.length);
      const document = only(graph, 'SpdxDocument');
      const sbom = only(graph, 'software_Sbom');
      expect(new Set(document.element as string[])).toEqual(new Set([...ids].filter((x) => x !== id(document))));
      expect(new Set(sbom.element as string[])).toEqual(new Set([...ids].filter((x) => x !== id(document) && x !== id(sbom))));
      for (const relationship of graph['@graph'].filter((n) => 'relationshipType' in n)) {
        for (const end of [relationship.from, ...(relationship.to as string[])]) {
          if (end !== 'expandedlicensing_NoAssertionLicense') expect(ids.has(String(end)), String(end)).toBe(true);
        }
      }
    }
  });

  it('puts every element id under one namespace that is the document id, derived from the content', () => {
    const graph = spdx3(imageSbom());
    const namespace = id(only(graph, 'SpdxDocument'));
    expect(namespace).toMatch(/^https:\/\/sealkit\.dev\/spdxdocs\/image-registry\.example-team-app-1\.2-[0-9a-f]{32}$/);
    for (const node of graph['@graph'].filter((n) => n.spdxId !== undefined && n.type !== 'SpdxDocument')) {
      expect(id(node).startsWith(`${namespace}#`)).toBe(true);
    }
    const changed = imageSbom();
    changed.timestamp = new Date('2025-01-02T03:04:06Z');
    expect(id(only(spdx3(changed), 'SpdxDocument'))).not.toBe(namespace);
  });

  it('is byte-identical for the same SBOM and does not depend on model order', () => {
    const shuffled = imageSbom();
    shuffled.packages.reverse();
    shuffled.relationships.reverse();
    expect(serializeSpdx3Json(shuffled)).toBe(serializeSpdx3Json(imageSbom()));
  });
});

describe('SPDX 3 packages', () => {
  it('carries version, purl (also as external identifier), home page, summary and description, and where it was found', () => {
    const graph = spdx3(imageSbom());
    expect(pkgNamed(graph, 'bash')).toMatchObject({
      software_packageVersion: '5.2.15-2+b7',
      software_packageUrl: 'pkg:deb/debian/bash@5.2.15-2%2Bb7?arch=amd64&distro=debian-12',
      externalIdentifier: [{ type: 'ExternalIdentifier', externalIdentifierType: 'packageUrl', identifier: 'pkg:deb/debian/bash@5.2.15-2%2Bb7?arch=amd64&distro=debian-12' }],
      software_homePage: 'https://tiswww.case.edu/php/chet/bash/bashtop.html',
      software_primaryPurpose: 'library',
      summary: 'GNU Bourne Again SHell',
      software_sourceInfo: expect.stringContaining('found by the dpkg-db cataloger at /usr/share/doc/bash/copyright'),
    });
    expect(pkgNamed(graph, 'requests').software_homePage).toBeUndefined();
    expect(pkgNamed(graph, 'requests').comment).toBe('homepage as declared (not a URL): UNKNOWN');
  });

  it('names suppliers as Person or Organization elements, one per distinct party, with their e-mail', () => {
    const graph = spdx3(imageSbom());
    const bash = pkgNamed(graph, 'bash');
    const person = graph['@graph'].find((n) => n.spdxId === bash.suppliedBy);
    expect(person).toMatchObject({ type: 'Person', name: 'Matthias Klose', externalIdentifier: [{ type: 'ExternalIdentifier', externalIdentifierType: 'email', identifier: 'doko@debian.org' }] });
    const psf = graph['@graph'].find((n) => n.spdxId === pkgNamed(graph, 'requests').suppliedBy);
    expect(psf).toMatchObject({ type: 'Organization', name: 'Python Software Foundation' });
    expect(pkgNamed(graph, 'guava').suppliedBy).toBeUndefined();
  });
});

describe('SPDX 3 licenses', () => {
  it('declares each package’s licenses as one expression an SPDX parser reads, concluding nothing', () => {
    const graph = spdx3(directorySbom());
    for (const pkg of nodes(graph, 'software_Package').filter((n) => n.software_primaryPurpose === 'library')) {
      const [declared] = targets(graph, id(pkg), 'hasDeclaredLicense');
      expect(targets(graph, id(pkg), 'hasConcludedLicense')).toEqual(['expandedlicensing_NoAssertionLicense']);
      if (pkg.name === 'license-none') {
        expect(declared).toBe('expandedlicensing_NoAssertionLicense');
        continue;
      }
      const expression = graph['@graph'].find((n) => n.spdxId === declared);
      expect(expression?.type).toBe('simplelicensing_LicenseExpression');
      expect(() => parseSpdxExpression(String(expression?.simplelicensing_licenseExpression))).not.toThrow();
    }
  });

  it('maps every LicenseRef an expression uses to a CustomLicense holding the verbatim name', () => {
    const graph = spdx3(directorySbom());
    const custom = new Map(nodes(graph, 'expandedlicensing_CustomLicense').map((n) => [id(n), n]));
    const expressions = nodes(graph, 'simplelicensing_LicenseExpression');
    const mixed = expressions.find((n) => String(n.simplelicensing_licenseExpression).includes('LicenseRef-Custom-License'));
    expect(mixed).toBeDefined();
    for (const expression of expressions) {
      const refs = String(expression.simplelicensing_licenseExpression).match(/LicenseRef-[A-Za-z0-9.-]+/g) ?? [];
      const map = (expression.simplelicensing_customIdToUri ?? []) as Array<{ key: string; value: string }>;
      expect(map.map((e) => e.key).sort()).toEqual([...new Set(refs)].sort());
      for (const entry of map) expect(custom.has(entry.value), entry.key).toBe(true);
    }
    const named = [...custom.values()].find((n) => n.name === 'Custom License');
    expect(named?.simplelicensing_licenseText).toBe('Custom License');
    const eula = [...custom.values()].find((n) => n.name === 'LicenseRef-vendor-eula');
    expect(eula?.simplelicensing_licenseText).toBe('NOASSERTION');
  });

  it('has a CC0-1.0 data license', () => {
    const graph = spdx3(imageSbom());
    const data = graph['@graph'].find((n) => n.spdxId === only(graph, 'SpdxDocument').dataLicense);
    expect(data).toMatchObject({ type: 'simplelicensing_LicenseExpression', simplelicensing_licenseExpression: 'CC0-1.0' });
  });
});

describe('SPDX 3 relationships', () => {
  it('writes depends-on as dependsOn, dev as a development-scoped dependsOn, optional as hasOptionalDependency', () => {
    const graph = spdx3(imageSbom());
    const express = id(pkgNamed(graph, 'express'));
    const scoped = edges(graph, express, 'dependsOn');
    expect(scoped.map((n) => [n.type, n.scope, n.to])).toEqual([['LifecycleScopedRelationship', 'development', [id(pkgNamed(graph, '@types/node'))]]]);
    expect(targets(graph, express, 'hasOptionalDependency')).toEqual([id(pkgNamed(graph, 'fsevents'))]);
    expect(edges(graph, id(pkgNamed(graph, 'bash')), 'dependsOn').map((n) => [n.type, n.scope, n.to])).toEqual([
      ['Relationship', undefined, [id(pkgNamed(graph, 'libc6'))]],
    ]);
  });

  it('writes contains and owns as contains, ownership with its comment', () => {
    const graph = spdx3(imageSbom());
    expect(targets(graph, id(pkgNamed(graph, 'app')), 'contains')).toEqual([id(pkgNamed(graph, 'guava'))]);
    expect(edges(graph, id(pkgNamed(graph, 'python3-requests')), 'contains').map((n) => [n.comment, n.to])).toEqual([
      [OWNERSHIP_COMMENT, [id(pkgNamed(graph, 'requests'))]],
    ]);
  });
});

describe('SPDX 3 subject and development packages', () => {
  it('roots a one-project lockfile in the project, whose direct dependencies start at it', () => {
    const graph = spdx3(projectSbom());
    const sbom = only(graph, 'software_Sbom');
    expect(sbom.software_sbomType).toEqual(['source']);
    const project = pkgNamed(graph, 'web-app');
    expect(sbom.rootElement).toEqual([id(project)]);
    expect(project).toMatchObject({ software_primaryPurpose: 'application', software_packageVersion: '2.0.0', software_packageUrl: 'pkg:npm/web-app@2.0.0', software_sourceInfo: 'described by /package-lock.json' });
    expect(targets(graph, id(project), 'contains')).toHaveLength(4);
    expect(edges(graph, id(project), 'dependsOn').map((n) => [n.scope, n.to])).toEqual(
      expect.arrayContaining([
        [undefined, [id(pkgNamed(graph, 'express'))]],
        ['development', [id(pkgNamed(graph, 'vitest'))]],
      ]),
    );
    expect(targets(graph, id(project), 'hasOptionalDependency')).toEqual([id(pkgNamed(graph, 'fsevents'))]);
    expect(nodes(graph, 'software_Package').filter((n) => n.comment === DEV_COMMENT).map((n) => n.name)).toEqual(['vitest']);
  });

  it('roots a directory with several projects in the directory, which contains them', () => {
    const graph = spdx3(workspaceSbom());
    const [rootId] = only(graph, 'software_Sbom').rootElement as string[];
    const root = graph['@graph'].find((n) => n.spdxId === rootId);
    expect(root).toMatchObject({ name: 'monorepo', software_primaryPurpose: 'application' });
    const api = pkgNamed(graph, '@acme/api');
    const tools = pkgNamed(graph, 'tools');
    expect(tools.software_packageUrl).toBeUndefined();
    expect(targets(graph, rootId ?? '', 'contains')).toEqual(expect.arrayContaining([id(api), id(tools)]));
    expect(edges(graph, id(api), 'dependsOn').map((n) => [n.scope, n.to])).toEqual(
      expect.arrayContaining([['development', [id(pkgNamed(graph, 'typescript'))]]]),
    );
    expect(targets(graph, id(tools), 'dependsOn')).toEqual([id(pkgNamed(graph, 'serde'))]);
  });
});

describe('SPDX 3 rejects an inconsistent model', () => {
  it.each([
    ['a duplicate package id', (s: Sbom) => s.packages.push({ ...(s.packages[0] as Sbom['packages'][number]) })],
    ['a relationship to an unknown package', (s: Sbom) => s.relationships.push({ from: 'deb-bash', to: 'nope', type: 'depends-on' })],
    ['an invalid timestamp', (s: Sbom) => (s.timestamp = new Date(Number.NaN))],
    ['an unknown relationship type', (s: Sbom) => s.relationships.push({ from: 'deb-bash', to: 'deb-libc6', type: 'uses' as never })],
  ])('with INVALID_ARGUMENT for %s', (_what, spoil) => {
    const sbom = imageSbom();
    spoil(sbom);
    let error: unknown;
    try {
      serializeSpdx3Json(sbom);
    } catch (caught) {
      error = caught;
    }
    expect(isSealkitError(error, 'INVALID_ARGUMENT')).toBe(true);
  });
});
