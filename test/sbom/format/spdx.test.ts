import parseSpdxExpression from 'spdx-expression-parse';
import { describe, expect, it } from 'vitest';
import { isSealkitError } from '../../../src/errors.js';
import { licenseRefIds } from '../../../src/sbom/format/license-ref.js';
import { parseParty } from '../../../src/sbom/format/party.js';
import { DEV_COMMENT, OWNERSHIP_COMMENT, serializeSpdxJson } from '../../../src/sbom/format/spdx.js';
import { isWebUrl } from '../../../src/sbom/format/web-url.js';
import type { License, Relationship as ModelRelationship, Sbom } from '../../../src/sbom/model.js';
import { directorySbom, emptyLockfileSbom, imageSbom, LICENSE_CASES, projectSbom, SAMPLES, workspaceSbom } from './samples.js';

interface Package {
  name: string;
  SPDXID: string;
  versionInfo?: string;
  supplier?: string;
  downloadLocation: string;
  filesAnalyzed?: boolean;
  checksums?: Array<{ algorithm: string; checksumValue: string }>;
  homepage?: string;
  sourceInfo?: string;
  licenseConcluded?: string;
  licenseDeclared?: string;
  copyrightText?: string;
  summary?: string;
  description?: string;
  comment?: string;
  externalRefs?: Array<{ referenceCategory: string; referenceType: string; referenceLocator: string }>;
  primaryPackagePurpose?: string;
}
interface Relationship {
  spdxElementId: string;
  relationshipType: string;
  relatedSpdxElement: string;
  comment?: string;
}
interface Document {
  spdxVersion: string;
  dataLicense: string;
  SPDXID: string;
  name: string;
  documentNamespace: string;
  creationInfo: { created: string; creators: string[] };
  packages: Package[];
  hasExtractedLicensingInfos?: Array<{ licenseId: string; extractedText: string; name?: string }>;
  relationships: Relationship[];
}

const SPDX_ID = /^SPDXRef-[A-Za-z0-9.-]+$/;

function spdx(sbom: Sbom): Document {
  return JSON.parse(serializeSpdxJson(sbom)) as Document;
}

function byName(document: Document, name: string): Package {
  const found = document.packages.find((p) => p.name === name);
  if (found === undefined) throw new Error(`no package ${name}`);
  return found;
}

function codeUnitSorted(values: readonly string[]): string[] {
  return [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Every license id an expression uses, read by an independent SPDX expression parser. */
function licenseIdsOf(expression: string): string[] {
  const walk = (node: parseSpdxExpression.Info): string[] =>
    'conjunction' in node ? [...walk(node.left), ...walk(node.right)] : [node.license];
  return walk(parseSpdxExpression(expression));
}

describe('SPDX document', () => {
  it('has the SPDX 2.3 header fields', () => {
    const document = spdx(imageSbom());
    expect(document).toMatchObject({
      spdxVersion: 'SPDX-2.3',
      dataLicense: 'CC0-1.0',
      SPDXID: 'SPDXRef-DOCUMENT',
      name: 'registry.example/team/app:1.2',
      creationInfo: { created: '2025-01-02T03:04:05Z', creators: ['Tool: sealkit-0.1.0'] },
    });
  });

  it('writes created in the YYYY-MM-DDThh:mm:ssZ form for every sample', () => {
    for (const [, make] of SAMPLES) {
      expect(spdx(make()).creationInfo.created).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    }
  });

  it('uses a namespace under https://sealkit.dev/spdxdocs/ that is a URI without a fragment', () => {
    for (const [, make] of SAMPLES) {
      const namespace = spdx(make()).documentNamespace;
      expect(namespace.startsWith('https://sealkit.dev/spdxdocs/')).toBe(true);
      expect(URL.canParse(namespace)).toBe(true);
      expect(namespace).not.toContain('#');
    }
  });

  it('gives every element a unique, valid SPDXID', () => {
    for (const [, make] of SAMPLES) {
      const ids = spdx(make()).packages.map((p) => p.SPDXID);
      for (const id of ids) expect(id).toMatch(SPDX_ID);
      expect(new Set(ids).size).toBe(ids.length);
    }
  });

  it('lists the described package first and the others sorted by SPDXID', () => {
    const [first, ...rest] = spdx(imageSbom()).packages.map((p) => p.SPDXID);
    expect(first).toBe('SPDXRef-Image-registry.example-team-app-1.2');
    expect(rest).toEqual(codeUnitSorted(rest));
  });
});

describe('SPDX described package', () => {
  it('is the image: a CONTAINER versioned by its manifest digest, with that digest as SHA256 checksum', () => {
    const root = spdx(imageSbom()).packages[0];
    expect(root).toEqual({
      name: 'registry.example/team/app:1.2',
      SPDXID: 'SPDXRef-Image-registry.example-team-app-1.2',
      versionInfo: `sha256:${'c3'.repeat(32)}`,
      supplier: 'NOASSERTION',
      downloadLocation: 'NOASSERTION',
      filesAnalyzed: false,
      checksums: [{ algorithm: 'SHA256', checksumValue: 'c3'.repeat(32) }],
      licenseConcluded: 'NOASSERTION',
      licenseDeclared: 'NOASSERTION',
      copyrightText: 'NOASSERTION',
      primaryPackagePurpose: 'CONTAINER',
    });
  });

  it('falls back to the image id as version, without a checksum, when there is no manifest digest', () => {
    const sbom = imageSbom();
    delete sbom.source.manifestDigest;
    const root = spdx(sbom).packages[0];
    expect(root?.versionInfo).toBe(`sha256:${'d4'.repeat(32)}`);
    expect(root?.checksums).toBeUndefined();
  });

  it('is an APPLICATION for a directory or a lockfile', () => {
    expect(spdx(directorySbom()).packages[0]).toMatchObject({ SPDXID: 'SPDXRef-Directory-project', primaryPackagePurpose: 'APPLICATION' });
    expect(spdx(emptyLockfileSbom()).packages[0]).toMatchObject({
      SPDXID: 'SPDXRef-Lockfile-package-lock.json',
      primaryPackagePurpose: 'APPLICATION',
    });
    expect(spdx(directorySbom()).packages[0]?.versionInfo).toBeUndefined();
  });

  it('writes the distro as an OPERATING_SYSTEM package', () => {
    expect(byName(spdx(imageSbom()), 'debian')).toMatchObject({
      SPDXID: 'SPDXRef-OperatingSystem-debian',
      versionInfo: '12.10',
      description: 'Debian GNU/Linux 12 (bookworm)',
      primaryPackagePurpose: 'OPERATING_SYSTEM',
    });
  });
});

describe('SPDX packages', () => {
  it('writes one package per model package with the fields sealkit cannot assert set to NOASSERTION', () => {
    const sbom = imageSbom();
    const document = spdx(sbom);
    for (const pkg of sbom.packages) {
      const written = byName(document, pkg.name);
      expect(written.SPDXID).toMatch(new RegExp(`^SPDXRef-Package-${pkg.type}-[A-Za-z0-9.-]+-[0-9a-f]{16}$`));
      expect(written).toMatchObject({
        downloadLocation: 'NOASSERTION',
        filesAnalyzed: false,
        licenseConcluded: 'NOASSERTION',
        copyrightText: 'NOASSERTION',
        externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: pkg.purl }],
      });
      expect(written.versionInfo).toBe(pkg.version === '' ? undefined : pkg.version);
    }
    expect(document.packages).toHaveLength(sbom.packages.length + 2);
  });

  it('derives SPDXIDs from type, sanitized name and package id', () => {
    const document = spdx(imageSbom());
    expect(byName(document, '@types/node').SPDXID).toMatch(/^SPDXRef-Package-npm--types-node-[0-9a-f]{16}$/);
    expect(byName(document, 'golang.org/x/text').SPDXID).toMatch(/^SPDXRef-Package-go-golang\.org-x-text-[0-9a-f]{16}$/);
  });

  it('formats suppliers as Person or Organization, or NOASSERTION', () => {
    const document = spdx(imageSbom());
    expect(byName(document, 'bash').supplier).toBe('Person: Matthias Klose (doko@debian.org)');
    expect(byName(document, 'libc6').supplier).toBe('Organization: GNU Libc Maintainers (debian-glibc@lists.debian.org)');
    expect(byName(document, 'requests').supplier).toBe('Organization: Python Software Foundation');
    expect(byName(document, 'serde').supplier).toBe('Organization: Red Hat, Inc.');
    expect(byName(document, 'guava').supplier).toBe('NOASSERTION');
  });

  it('takes the summary from the first line of a multi-line description', () => {
    const document = spdx(imageSbom());
    expect(byName(document, 'bash')).toMatchObject({
      summary: 'GNU Bourne Again SHell',
      description: 'GNU Bourne Again SHell\n Bash is an sh-compatible command language interpreter.',
    });
    expect(byName(document, 'libc6').summary).toBeUndefined();
    expect(byName(document, 'libc6').description).toBe('GNU C Library: Shared libraries');
  });

  it('writes a homepage that is a URL, and keeps one that is not in the comment', () => {
    const document = spdx(imageSbom());
    expect(byName(document, 'express').homepage).toBe('http://expressjs.com/');
    expect(byName(document, 'requests').homepage).toBeUndefined();
    expect(byName(document, 'requests').comment).toContain('UNKNOWN');
  });

  it('names the cataloger, every path and every layer in sourceInfo', () => {
    const guava = byName(spdx(imageSbom()), 'guava');
    expect(guava.sourceInfo).toBe(
      `found by the java-archive cataloger at /opt/app/lib/guava-33.3.1-jre.jar (layer sha256:${'b2'.repeat(32)}), ` +
        `/opt/app/lib/guava-33.3.1-jre.jar (layer sha256:${'a1'.repeat(32)})`,
    );
    expect(byName(spdx(directorySbom()), 'license-none').sourceInfo).toBe(
      'found by the npm-package-json cataloger at /app/node_modules/license-none/package.json',
    );
  });
});

describe('SPDX licenses', () => {
  const REF = (stem: string): string => `LicenseRef-${stem}-[0-9a-f]{8}`;
  const expected: Record<keyof typeof LICENSE_CASES, RegExp> = {
    none: /^NOASSERTION$/,
    'one-id': /^MIT$/,
    'several-ids': /^MIT AND Apache-2\.0 AND BSD-3-Clause$/,
    compound: /^GPL-2\.0-or-later OR MIT$/,
    names: new RegExp(`^${REF('Custom-License')} AND LicenseRef-Proprietary$`),
    'names-and-ids': /^LicenseRef-Proprietary AND MIT$/,
    'names-and-compound': new RegExp(`^${REF('Custom-License')} AND \\(Apache-2\\.0 WITH LLVM-exception\\) AND MIT$`),
    'ids-and-compound': /^Zlib AND \(LGPL-2\.1-only OR BSD-2-Clause\)$/,
    'forbidden-characters': new RegExp(`^${REF('Copyright-Foo-Bar-2024-all-rights')} AND LicenseRef-[0-9a-f]{8}$`),
    'case-collision': new RegExp(`^${REF('custom')} AND ${REF('Custom')}$`),
    'licenseref-expression': /^LicenseRef-vendor-eula AND LicenseRef-Proprietary$/,
    duplicates: /^MIT AND LicenseRef-Proprietary$/,
  };

  it('has an expectation for every license combination of the samples', () => {
    expect(Object.keys(expected).sort()).toEqual(Object.keys(LICENSE_CASES).sort());
  });

  it('joins the licenses of each combination with AND, names as LicenseRefs', () => {
    const document = spdx(directorySbom());
    for (const [combination, pattern] of Object.entries(expected)) {
      expect(byName(document, `license-${combination}`).licenseDeclared, combination).toMatch(pattern);
    }
  });

  it('writes declared licenses that an independent SPDX expression parser accepts', () => {
    for (const [, make] of SAMPLES) {
      for (const pkg of spdx(make()).packages) {
        if (pkg.licenseDeclared === undefined || pkg.licenseDeclared === 'NOASSERTION') continue;
        expect(() => parseSpdxExpression(pkg.licenseDeclared ?? ''), pkg.licenseDeclared).not.toThrow();
      }
    }
  });

  it('defines exactly the LicenseRefs it uses, with the verbatim names as text, sorted', () => {
    const sbom = directorySbom();
    const document = spdx(sbom);
    const used = new Set(
      document.packages.flatMap((p) =>
        p.licenseDeclared === undefined || p.licenseDeclared === 'NOASSERTION' ? [] : licenseIdsOf(p.licenseDeclared),
      ),
    );
    const defined = document.hasExtractedLicensingInfos ?? [];
    const refs = [...used].filter((id) => id.startsWith('LicenseRef-'));
    expect(codeUnitSorted(defined.map((d) => d.licenseId))).toEqual(codeUnitSorted(refs));
    expect(defined.map((d) => d.licenseId)).toEqual(codeUnitSorted(defined.map((d) => d.licenseId)));
    const fromNames = defined.filter((d) => d.licenseId !== 'LicenseRef-vendor-eula');
    const names = new Set(sbom.packages.flatMap((p) => p.licenses.flatMap((l) => ('name' in l ? [l.name] : []))));
    expect(new Set(fromNames.map((d) => d.extractedText))).toEqual(names);
    for (const d of fromNames) expect(d.name).toBe(d.extractedText);
  });

  it('defines a LicenseRef that a model expression uses, without inventing its text', () => {
    const defined = spdx(directorySbom()).hasExtractedLicensingInfos ?? [];
    expect(defined.find((d) => d.licenseId === 'LicenseRef-vendor-eula')).toMatchObject({ extractedText: 'NOASSERTION' });
  });

  it('never gives two names ids that are equal when compared without case', () => {
    const ids = (spdx(directorySbom()).hasExtractedLicensingInfos ?? []).map((d) => d.licenseId.toLowerCase());
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('omits hasExtractedLicensingInfos when no license is a name', () => {
    expect(spdx(emptyLockfileSbom()).hasExtractedLicensingInfos).toBeUndefined();
  });
});

describe('licenseRefIds', () => {
  const names = (...list: string[]): License[] => list.map((name) => ({ name }));

  it('keeps a name made of allowed characters, and hashes any other', () => {
    const refs = licenseRefIds(names('Proprietary', 'GPL v2', '', 'a_b'));
    expect(refs.get('Proprietary')).toBe('LicenseRef-Proprietary');
    expect(refs.get('GPL v2')).toMatch(/^LicenseRef-GPL-v2-[0-9a-f]{8}$/);
    expect(refs.get('')).toMatch(/^LicenseRef-[0-9a-f]{8}$/);
    expect(refs.get('a_b')).toMatch(/^LicenseRef-a-b-[0-9a-f]{8}$/);
  });

  it('keeps names apart that would sanitize to the same id', () => {
    const refs = licenseRefIds(names('Foo Bar', 'Foo_Bar', 'Foo-Bar', 'foo-bar'));
    const ids = [...refs.values()].map((id) => id.toLowerCase());
    expect(new Set(ids).size).toBe(4);
    for (const id of refs.values()) expect(id).toMatch(/^LicenseRef-[A-Za-z0-9.-]+$/);
  });

  it('does not give a name an id that an expression already uses', () => {
    const refs = licenseRefIds([{ expression: 'MIT AND LicenseRef-proprietary' }, { name: 'Proprietary' }, { name: 'Other' }]);
    expect(refs.get('Proprietary')).toMatch(/^LicenseRef-Proprietary-[0-9a-f]{8}$/);
    expect(refs.get('Other')).toBe('LicenseRef-Other');
    expect(refs.size).toBe(2);
  });

  it('does not count a reference into another document as used here', () => {
    const refs = licenseRefIds([{ expression: 'DocumentRef-spdx-tool-1.2:LicenseRef-Other' }, { name: 'Other' }]);
    expect(refs.get('Other')).toBe('LicenseRef-Other');
  });
});

describe('parseParty', () => {
  it.each([
    ['Jane Doe <jane@example.org>', { kind: 'Person', name: 'Jane Doe', email: 'jane@example.org' }],
    ['Debian Perl Group <pkg-perl@lists.debian.org>', { kind: 'Organization', name: 'Debian Perl Group', email: 'pkg-perl@lists.debian.org' }],
    ['Red Hat, Inc.', { kind: 'Organization', name: 'Red Hat, Inc.' }],
    ['Person: Solo Dev', { kind: 'Person', name: 'Solo Dev' }],
    ['organization: ACME (legal@acme.test)', { kind: 'Organization', name: 'ACME', email: 'legal@acme.test' }],
    ['<only@mail.test>', { kind: 'Person', name: 'only@mail.test', email: 'only@mail.test' }],
  ])('reads %s', (text, party) => {
    expect(parseParty(text)).toEqual(party);
  });
});

describe('isWebUrl', () => {
  it.each([
    ['https://example.org/x', true],
    ['http://expressjs.com/', true],
    ['ftp://ftp.gnu.org/gnu/bash/', true],
    ['UNKNOWN', false],
    ['see README', false],
    ['javascript:alert(1)', false],
    ['', false],
  ])('%s -> %s', (text, expected) => {
    expect(isWebUrl(text)).toBe(expected);
  });
});

describe('SPDX relationships', () => {
  it('describes the root, which contains every other package', () => {
    const document = spdx(imageSbom());
    const root = document.packages[0]?.SPDXID ?? '';
    expect(document.relationships).toContainEqual({ spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: root });
    const contained = document.relationships.filter((r) => r.relationshipType === 'CONTAINS' && r.spdxElementId === root);
    expect(codeUnitSorted(contained.map((r) => r.relatedSpdxElement))).toEqual(
      codeUnitSorted(document.packages.slice(1).map((p) => p.SPDXID)),
    );
  });

  it('writes contains and owns as CONTAINS from the holder, only ownership with its comment', () => {
    const document = spdx(imageSbom());
    const id = (name: string): string => byName(document, name).SPDXID;
    const root = document.packages[0]?.SPDXID ?? '';
    expect(document.relationships.filter((r) => r.relationshipType === 'CONTAINS' && r.spdxElementId !== root)).toEqual([
      { spdxElementId: id('python3-requests'), relationshipType: 'CONTAINS', relatedSpdxElement: id('requests'), comment: OWNERSHIP_COMMENT },
      { spdxElementId: id('app'), relationshipType: 'CONTAINS', relatedSpdxElement: id('guava') },
    ]);
  });

  it('writes one CONTAINS for a pair that is both contained and owned, keeping the ownership comment in any order', () => {
    for (const order of ['contains first', 'owns first']) {
      const sbom = imageSbom();
      const both: ModelRelationship[] = [
        { from: 'deb-python3-requests', to: 'python-requests', type: 'contains' },
        { from: 'deb-python3-requests', to: 'python-requests', type: 'owns' },
      ];
      sbom.relationships = [...sbom.relationships.filter((r) => r.type !== 'owns'), ...(order === 'owns first' ? both.reverse() : both)];
      const owned = spdx(sbom).relationships.filter((r) => r.relatedSpdxElement === byName(spdx(sbom), 'requests').SPDXID && r.spdxElementId === byName(spdx(sbom), 'python3-requests').SPDXID);
      expect(owned, order).toEqual([expect.objectContaining({ relationshipType: 'CONTAINS', comment: OWNERSHIP_COMMENT })]);
    }
  });

  it('refuses a relationship type it does not know', () => {
    const sbom = imageSbom();
    sbom.relationships.push({ from: 'deb-bash', to: 'deb-libc6', type: 'replaces' as never });
    expect(() => serializeSpdxJson(sbom)).toThrow(/unknown relationship type "replaces"/);
  });

  it('maps depends-on forward and the dev and optional kinds in the reverse direction', () => {
    const document = spdx(imageSbom());
    const id = (name: string): string => byName(document, name).SPDXID;
    const typed = document.relationships.filter((r) => !['DESCRIBES', 'CONTAINS'].includes(r.relationshipType));
    expect(typed).toEqual(
      expect.arrayContaining([
        { spdxElementId: id('bash'), relationshipType: 'DEPENDS_ON', relatedSpdxElement: id('libc6') },
        { spdxElementId: id('requests'), relationshipType: 'DEPENDS_ON', relatedSpdxElement: id('libc6') },
        { spdxElementId: id('@types/node'), relationshipType: 'DEV_DEPENDENCY_OF', relatedSpdxElement: id('express') },
        { spdxElementId: id('fsevents'), relationshipType: 'OPTIONAL_DEPENDENCY_OF', relatedSpdxElement: id('express') },
        { spdxElementId: id('app'), relationshipType: 'DEPENDS_ON', relatedSpdxElement: id('guava') },
      ]),
    );
    expect(typed).toHaveLength(5);
  });

  it('only refers to elements of the document, once each, sorted', () => {
    for (const [, make] of SAMPLES) {
      const sbom = make();
      sbom.relationships.push(...sbom.relationships);
      const document = spdx(sbom);
      const known = new Set(['SPDXRef-DOCUMENT', ...document.packages.map((p) => p.SPDXID)]);
      const keys = document.relationships.map((r) => `${r.spdxElementId}\0${r.relationshipType}\0${r.relatedSpdxElement}`);
      for (const r of document.relationships) {
        expect(known.has(r.spdxElementId) && known.has(r.relatedSpdxElement)).toBe(true);
      }
      expect(keys).toEqual(codeUnitSorted([...new Set(keys)]));
    }
  });
});

describe('SPDX determinism', () => {
  it('gives byte-identical output for the same SBOM', () => {
    for (const [, make] of SAMPLES) expect(serializeSpdxJson(make())).toBe(serializeSpdxJson(make()));
  });

  it('does not depend on the order of packages or relationships in the model', () => {
    const shuffled = imageSbom();
    shuffled.packages.reverse();
    shuffled.relationships.reverse();
    expect(serializeSpdxJson(shuffled)).toBe(serializeSpdxJson(imageSbom()));
  });

  it('gives a different namespace to a different document', () => {
    const bumped = imageSbom();
    bumped.packages[0]!.version = '5.2.15-2+b8';
    const later = imageSbom();
    later.timestamp = new Date('2025-01-02T03:04:06Z');
    const namespaces = new Set([imageSbom(), bumped, later].map((s) => spdx(s).documentNamespace));
    expect(namespaces.size).toBe(3);
  });
});

describe('SPDX rejects an inconsistent model', () => {
  const cases: Array<[string, (sbom: Sbom) => void]> = [
    ['a duplicate package id', (s) => s.packages.push({ ...s.packages[0]! })],
    ['an empty package id', (s) => (s.packages[0]!.id = '')],
    ['a relationship to an unknown package', (s) => s.relationships.push({ from: 'deb-bash', to: 'nope', type: 'depends-on' })],
    ['a relationship from an unknown package', (s) => s.relationships.push({ from: 'nope', to: 'deb-bash', type: 'optional-depends-on' })],
    ['an empty license expression', (s) => s.packages[0]!.licenses.push({ expression: '' })],
    ['an invalid timestamp', (s) => (s.timestamp = new Date(Number.NaN))],
  ];
  for (const [what, spoil] of cases) {
    it(`with INVALID_ARGUMENT for ${what}`, () => {
      const sbom = imageSbom();
      spoil(sbom);
      let caught: unknown;
      try {
        serializeSpdxJson(sbom);
      } catch (error) {
        caught = error;
      }
      expect(isSealkitError(caught, 'INVALID_ARGUMENT'), String(caught)).toBe(true);
    });
  }
});

describe('SPDX subject and development packages', () => {
  it('describes the one project of a lockfile as the root, with its version and purl, containing every package', () => {
    const document = spdx(projectSbom());
    const described = document.relationships.filter((r) => r.relationshipType === 'DESCRIBES').map((r) => r.relatedSpdxElement);
    expect(described).toHaveLength(1);
    const root = document.packages[0];
    expect(root?.SPDXID).toBe(described[0]);
    expect(root).toMatchObject({ name: 'web-app', versionInfo: '2.0.0', primaryPackagePurpose: 'APPLICATION', sourceInfo: 'described by /package-lock.json' });
    expect(root?.externalRefs).toEqual([{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: 'pkg:npm/web-app@2.0.0' }]);
    const contained = document.relationships.filter((r) => r.spdxElementId === root?.SPDXID && r.relationshipType === 'CONTAINS');
    expect(contained).toHaveLength(4);
    expect(document.packages.map((p) => p.name)).not.toContain('package-lock.json');
  });

  it('starts the project’s direct dependencies at the root, a dev one as DEV_DEPENDENCY_OF, an optional one as OPTIONAL_DEPENDENCY_OF', () => {
    const document = spdx(projectSbom());
    const root = document.packages[0]?.SPDXID ?? '';
    const id = (name: string) => byName(document, name).SPDXID;
    const fromRoot = document.relationships.filter((r) => (r.spdxElementId === root || r.relatedSpdxElement === root) && r.relationshipType !== 'CONTAINS' && r.relationshipType !== 'DESCRIBES');
    expect(fromRoot.map((r) => [r.spdxElementId, r.relationshipType, r.relatedSpdxElement])).toEqual(
      expect.arrayContaining([
        [root, 'DEPENDS_ON', id('express')],
        [id('vitest'), 'DEV_DEPENDENCY_OF', root],
        [id('fsevents'), 'OPTIONAL_DEPENDENCY_OF', root],
      ]),
    );
    expect(fromRoot).toHaveLength(3);
  });

  it('says in the comment of a development-only package that it is one, and only there', () => {
    const document = spdx(projectSbom());
    expect(document.packages.filter((p) => p.comment === DEV_COMMENT).map((p) => p.name)).toEqual(['vitest']);
    const workspace = spdx(workspaceSbom());
    expect(workspace.packages.filter((p) => p.comment?.includes(DEV_COMMENT)).map((p) => p.name)).toEqual(['typescript']);
  });

  it('keeps a homepage that is not a URL in the comment beside the dev note', () => {
    const sbom = projectSbom();
    const vitest = sbom.packages.find((p) => p.name === 'vitest');
    if (vitest !== undefined) vitest.homepage = 'see README';
    expect(byName(spdx(sbom), 'vitest').comment).toBe(`${DEV_COMMENT}; homepage as declared (not a URL): see README`);
  });

  it('describes a directory with several projects, which it contains, and describes each project too', () => {
    const document = spdx(workspaceSbom());
    const root = document.packages[0];
    expect(root).toMatchObject({ name: 'monorepo', primaryPackagePurpose: 'APPLICATION' });
    const api = byName(document, '@acme/api');
    const tools = byName(document, 'tools');
    expect(tools.externalRefs).toBeUndefined();
    const described = document.relationships.filter((r) => r.relationshipType === 'DESCRIBES').map((r) => r.relatedSpdxElement);
    expect(described.sort()).toEqual([root?.SPDXID, api.SPDXID, tools.SPDXID].sort());
    for (const part of [api, tools]) {
      expect(part.primaryPackagePurpose).toBe('APPLICATION');
      expect(document.relationships).toContainEqual({ spdxElementId: root?.SPDXID, relationshipType: 'CONTAINS', relatedSpdxElement: part.SPDXID });
    }
    expect(document.relationships).toContainEqual({ spdxElementId: tools.SPDXID, relationshipType: 'DEPENDS_ON', relatedSpdxElement: byName(document, 'serde').SPDXID });
    expect(document.relationships).toContainEqual({ spdxElementId: byName(document, 'typescript').SPDXID, relationshipType: 'DEV_DEPENDENCY_OF', relatedSpdxElement: api.SPDXID });
  });
});
