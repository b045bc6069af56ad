import { Validation } from '@cyclonedx/cyclonedx-library';
import parseSpdxExpression from 'spdx-expression-parse';
import { describe, expect, it } from 'vitest';
import { isSealkitError } from '../../../src/errors.js';
import { nameBasedUuid, serializeCycloneDxJson, type CycloneDxVersion } from '../../../src/sbom/format/cyclonedx.js';
import { serializeSpdxJson } from '../../../src/sbom/format/spdx.js';
import type { Sbom } from '../../../src/sbom/model.js';
import { directorySbom, emptyLockfileSbom, imageSbom, LICENSE_CASES, ODD_METADATA, SAMPLES } from './samples.js';

const VERSIONS: readonly CycloneDxVersion[] = ['1.7', '1.6', '1.5', '1.4'];

interface Property {
  name: string;
  value: string;
}
interface Component {
  type: string;
  name: string;
  version?: string;
  'bom-ref'?: string;
  author?: string;
  supplier?: { name?: string; contact?: Array<{ email?: string }> };
  description?: string;
  purl?: string;
  hashes?: Array<{ alg: string; content: string }>;
  licenses?: Array<{ license?: { id?: string; name?: string }; expression?: string }>;
  externalReferences?: Array<{ url: string; type: string }>;
  properties?: Property[];
  evidence?: { occurrences?: Array<{ location: string; additionalContext?: string }> };
}
interface Document {
  specVersion: string;
  serialNumber: string;
  metadata: { timestamp: string; tools: unknown; component: Component };
  components: Component[];
  dependencies: Array<{ ref: string; dependsOn?: string[] }>;
}

function cdx(sbom: Sbom, version: CycloneDxVersion = '1.6'): Document {
  return JSON.parse(serializeCycloneDxJson(sbom, version)) as Document;
}

function component(document: Document, ref: string): Component {
  const found = document.components.find((c) => c['bom-ref'] === ref);
  if (found === undefined) throw new Error(`no component ${ref}`);
  return found;
}

function props(c: Component, prefix = ''): Array<[string, string]> {
  return (c.properties ?? []).filter((p) => p.name.startsWith(prefix)).map((p) => [p.name, p.value]);
}

function withoutManifestDigest(): Sbom {
  const sbom = imageSbom();
  delete sbom.source.manifestDigest;
  return sbom;
}

describe('CycloneDX output validates against the official schemas (library strict validator)', () => {
  const validators = new Map(VERSIONS.map((v) => [v, new Validation.JsonStrictValidator(v as never)]));
  for (const version of VERSIONS) {
    for (const [name, make] of [...SAMPLES, ['image without manifest digest', withoutManifestDigest] as const]) {
      it(`${name} as CycloneDX ${version}`, async () => {
        const errors = await validators.get(version)?.validate(serializeCycloneDxJson(make(), version));
        expect(errors).toBeNull();
      });
    }
  }

  it('the validator does reject what the schemas forbid (a license list mixing an expression)', async () => {
    const document = cdx(directorySbom(), '1.6');
    const mixed = document.components.find((c) => c.licenses?.[0]?.license !== undefined);
    mixed?.licenses?.push({ expression: 'MIT OR Apache-2.0' });
    const errors = await validators.get('1.6')?.validate(JSON.stringify(document));
    expect(errors).not.toBeNull();
  });
});

describe('CycloneDX metadata', () => {
  it('records the index digest of an image read through a multi-platform index', () => {
    const sbom = imageSbom();
    const indexDigest = `sha256:${'9d'.repeat(32)}`;
    const root = cdx({ ...sbom, source: { ...sbom.source, scheme: 'registry', indexDigest } }).metadata.component;
    expect(props(root)).toContainEqual(['sealkit:image:indexDigest', indexDigest]);
    expect(props(cdx(sbom).metadata.component).map(([name]) => name)).not.toContain('sealkit:image:indexDigest');
  });

  it('describes an image as a container component with its digests, platform, tag and layers', () => {
    const sbom = imageSbom();
    const root = cdx(sbom).metadata.component;
    expect(root).toMatchObject({ type: 'container', name: 'registry.example/team/app:1.2', version: sbom.source.manifestDigest });
    expect(root.hashes).toEqual([{ alg: 'SHA-256', content: 'c3'.repeat(32) }]);
    expect(props(root)).toEqual([
      ['sealkit:source:scheme', 'oci-archive'],
      ['sealkit:image:id', sbom.source.imageId],
      ['sealkit:image:manifestDigest', sbom.source.manifestDigest],
      ['sealkit:image:platform', 'linux/amd64'],
      ['sealkit:image:tag', '1.2'],
      ['sealkit:image:scope', 'squashed'],
      ['sealkit:image:layer:0:diffID', `sha256:${'a1'.repeat(32)}`],
      ['sealkit:image:layer:0:digest', `sha256:${'f6'.repeat(32)}`],
      ['sealkit:image:layer:0:mediaType', 'application/vnd.oci.image.layer.v1.tar+gzip'],
      ['sealkit:image:layer:0:size', '1024'],
      ['sealkit:image:layer:1:diffID', `sha256:${'b2'.repeat(32)}`],
      ['sealkit:image:layer:1:digest', `sha256:${'e5'.repeat(32)}`],
      ['sealkit:image:layer:1:size', '2048'],
      ['sealkit:image:layer:1:createdBy', 'COPY . /app # buildkit'],
    ]);
  });

  it('versions an image without a manifest digest by its image id, without a hash', () => {
    const root = cdx(withoutManifestDigest()).metadata.component;
    expect(root.version).toBe(`sha256:${'d4'.repeat(32)}`);
    expect(root.hashes).toBeUndefined();
  });

  it('describes directories and lockfiles as application components without a version', () => {
    for (const sbom of [directorySbom(), emptyLockfileSbom()]) {
      const root = cdx(sbom).metadata.component;
      expect(root).toMatchObject({ type: 'application', name: sbom.source.name });
      expect(root.version).toBeUndefined();
      expect(props(root)).toEqual([['sealkit:source:scheme', sbom.source.scheme]]);
    }
  });

  it('takes the timestamp from the SBOM', () => {
    expect(cdx(imageSbom()).metadata.timestamp).toBe('2025-01-02T03:04:05.678Z');
  });

  it('names sealkit as the tool, as tools.components from 1.5 on and as a legacy tool list on 1.4', () => {
    const component = { type: 'application', name: 'sealkit', version: '0.1.0' };
    expect(cdx(imageSbom(), '1.6').metadata.tools).toEqual({ components: [component] });
    expect(cdx(imageSbom(), '1.5').metadata.tools).toEqual({ components: [component] });
    expect(cdx(imageSbom(), '1.4').metadata.tools).toEqual([{ name: 'sealkit', version: '0.1.0' }]);
  });
});

describe('CycloneDX components', () => {
  it('adds the distro as an operating-system component, only when there is one', () => {
    const os = cdx(imageSbom()).components.filter((c) => c.type === 'operating-system');
    expect(os).toEqual([
      {
        type: 'operating-system',
        name: 'debian',
        version: '12.10',
        'bom-ref': 'distro:debian@12.10',
        description: 'Debian GNU/Linux 12 (bookworm)',
        properties: [
          { name: 'sealkit:distro:versionId', value: '12' },
          { name: 'sealkit:distro:codename', value: 'bookworm' },
          { name: 'sealkit:distro:idLike', value: 'linux unix-like' },
        ],
      },
    ]);
    expect(cdx(directorySbom()).components.some((c) => c.type === 'operating-system')).toBe(false);
  });

  it('writes one library component per package, bom-ref = package id, sorted by purl then id', () => {
    const sbom = imageSbom();
    const libraries = cdx(sbom).components.filter((c) => c.type === 'library');
    const expected = [...sbom.packages].sort((a, b) => (a.purl < b.purl ? -1 : a.purl > b.purl ? 1 : 0));
    expect(libraries.map((c) => [c['bom-ref'], c.name, c.purl])).toEqual(expected.map((p) => [p.id, p.name, p.purl]));
  });

  it('carries version, description, homepage and the sealkit properties of a package', () => {
    const bash = component(cdx(imageSbom()), 'deb-bash');
    expect(bash).toMatchObject({
      name: 'bash',
      version: '5.2.15-2+b7',
      description: 'GNU Bourne Again SHell\n Bash is an sh-compatible command language interpreter.',
      externalReferences: [{ url: 'https://tiswww.case.edu/php/chet/bash/bashtop.html', type: 'website' }],
    });
    expect(props(bash, 'sealkit:package:')).toEqual([
      ['sealkit:package:foundBy', 'dpkg-db'],
      ['sealkit:package:type', 'deb'],
    ]);
    expect(props(bash, 'sealkit:location:')).toEqual([
      ['sealkit:location:0:path', '/usr/share/doc/bash/copyright'],
      ['sealkit:location:0:layerID', `sha256:${'a1'.repeat(32)}`],
      ['sealkit:location:1:path', '/var/lib/dpkg/status'],
      ['sealkit:location:1:layerID', `sha256:${'a1'.repeat(32)}`],
    ]);
  });

  it('keeps every metadata entry, odd characters included, sorted by key', () => {
    const bash = component(cdx(imageSbom()), 'deb-bash');
    const expected = Object.keys(ODD_METADATA)
      .sort()
      .map((key) => [`sealkit:metadata:${key}`, ODD_METADATA[key]]);
    expect(props(bash, 'sealkit:metadata:')).toEqual(expected);
  });

  it('omits an empty version, and keeps a homepage that is not a URL as a property instead of a reference', () => {
    const document = cdx(imageSbom());
    expect(component(document, 'rust-serde').version).toBeUndefined();
    const requests = component(document, 'python-requests');
    expect(requests.externalReferences).toBeUndefined();
    expect(props(requests, 'sealkit:package:homepage')).toEqual([['sealkit:package:homepage', 'UNKNOWN']]);
  });

  it('records a person as author and an organization as supplier with its e-mail as contact', () => {
    const document = cdx(imageSbom());
    expect(component(document, 'deb-bash')).toMatchObject({ author: 'Matthias Klose <doko@debian.org>' });
    expect(component(document, 'deb-bash').supplier).toBeUndefined();
    expect(component(document, 'deb-libc6').supplier).toEqual({
      name: 'GNU Libc Maintainers',
      contact: [{ email: 'debian-glibc@lists.debian.org' }],
    });
    expect(component(document, 'python-requests').supplier).toEqual({ name: 'Python Software Foundation' });
    expect(component(document, 'rust-serde').supplier).toEqual({ name: 'Red Hat, Inc.' });
    expect(component(document, 'go-x-text').supplier).toBeUndefined();
    expect(component(document, 'go-x-text').author).toBeUndefined();
  });

  it('records occurrences as evidence from 1.5 on, with the layer as additional context from 1.6 on', () => {
    const guava = (v: CycloneDxVersion): Component => component(cdx(imageSbom(), v), 'java-guava');
    expect(guava('1.6').evidence).toEqual({
      occurrences: [
        { location: '/opt/app/lib/guava-33.3.1-jre.jar', additionalContext: `layerID: sha256:${'b2'.repeat(32)}` },
        { location: '/opt/app/lib/guava-33.3.1-jre.jar', additionalContext: `layerID: sha256:${'a1'.repeat(32)}` },
      ],
    });
    expect(guava('1.5').evidence).toEqual({
      occurrences: [{ location: '/opt/app/lib/guava-33.3.1-jre.jar' }, { location: '/opt/app/lib/guava-33.3.1-jre.jar' }],
    });
    expect(guava('1.7').evidence).toEqual(guava('1.6').evidence);
    expect(guava('1.4').evidence).toBeUndefined();
    const none = component(cdx(directorySbom(), '1.6'), 'licenses-none');
    expect(none.evidence).toEqual({ occurrences: [{ location: '/app/node_modules/license-none/package.json' }] });
  });
});

describe('CycloneDX licenses', () => {
  const REF = (stem: string): RegExp => new RegExp(`^LicenseRef-${stem}-[0-9a-f]{8}$`);
  const expected: Record<keyof typeof LICENSE_CASES, unknown> = {
    none: undefined,
    'one-id': [{ license: { id: 'MIT' } }],
    'several-ids': [{ license: { id: 'MIT' } }, { license: { id: 'Apache-2.0' } }, { license: { id: 'BSD-3-Clause' } }],
    compound: [{ expression: 'GPL-2.0-or-later OR MIT' }],
    names: [{ license: { name: 'Custom License' } }, { license: { name: 'Proprietary' } }],
    'names-and-ids': [{ license: { name: 'Proprietary' } }, { license: { id: 'MIT' } }],
    'names-and-compound': [
      { expression: expect.stringMatching(/^LicenseRef-Custom-License-[0-9a-f]{8} AND \(Apache-2\.0 WITH LLVM-exception\) AND MIT$/) },
    ],
    'ids-and-compound': [{ expression: 'Zlib AND (LGPL-2.1-only OR BSD-2-Clause)' }],
    'forbidden-characters': [{ license: { name: 'Copyright © Foo_Bar (2024) / all rights' } }, { license: { name: '!!!' } }],
    'case-collision': [{ license: { name: 'custom' } }, { license: { name: 'Custom' } }],
    'licenseref-expression': [{ expression: 'LicenseRef-vendor-eula AND LicenseRef-Proprietary' }],
    duplicates: [{ license: { id: 'MIT' } }, { license: { name: 'Proprietary' } }],
  };

  it('has an expectation for every license combination of the samples', () => {
    expect(Object.keys(expected).sort()).toEqual(Object.keys(LICENSE_CASES).sort());
  });

  for (const version of VERSIONS) {
    it(`encodes every license combination as expected on ${version}`, () => {
      const document = cdx(directorySbom(), version);
      for (const [combination, licenses] of Object.entries(expected)) {
        expect(component(document, `licenses-${combination}`).licenses, combination).toEqual(licenses);
      }
    });
  }

  it('writes expressions that an independent SPDX expression parser accepts', () => {
    const expressions = cdx(directorySbom()).components.flatMap((c) => (c.licenses ?? []).flatMap((l) => l.expression ?? []));
    expect(expressions.length).toBeGreaterThanOrEqual(4);
    for (const expression of expressions) expect(() => parseSpdxExpression(expression), expression).not.toThrow();
  });

  it('keeps the verbatim name of every LicenseRef in a property, with the same id the SPDX document uses', () => {
    const sbom = directorySbom();
    const mixed = component(cdx(sbom), 'licenses-names-and-compound');
    const [[name, value] = ['', '']] = props(mixed, 'sealkit:license:');
    const ref = name.slice('sealkit:license:'.length);
    expect(ref).toMatch(REF('Custom-License'));
    expect(value).toBe('Custom License');
    const spdx = JSON.parse(serializeSpdxJson(sbom)) as { hasExtractedLicensingInfos: Array<{ licenseId: string; extractedText: string }> };
    expect(spdx.hasExtractedLicensingInfos).toContainEqual(expect.objectContaining({ licenseId: ref, extractedText: 'Custom License' }));
    expect(props(component(cdx(sbom), 'licenses-licenseref-expression'), 'sealkit:license:')).toEqual([
      ['sealkit:license:LicenseRef-Proprietary', 'Proprietary'],
    ]);
  });
});

describe('CycloneDX dependencies', () => {
  it('lists every component once, sorted by ref, with the targets of all relationship types', () => {
    const sbom = imageSbom();
    const document = cdx(sbom);
    const refs = [document.metadata.component, ...document.components].map((c) => c['bom-ref'] ?? '');
    const listed = document.dependencies.map((d) => d.ref);
    expect(listed).toEqual([...refs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    const dependsOn = Object.fromEntries(document.dependencies.map((d) => [d.ref, d.dependsOn ?? []]));
    expect(dependsOn).toMatchObject({
      'deb-bash': ['deb-libc6'],
      'npm-express': ['npm-@types/node', 'npm-fsevents'],
      'python-requests': ['deb-libc6'],
      'deb-libc6': [],
      // an OS package owns what it installed, an archive contains (and here also needs) what it nests
      'deb-python3-requests': ['python-requests'],
      'java-app': ['java-guava'],
      [document.metadata.component['bom-ref'] ?? '']: [],
    });
  });

  it('keeps nesting and ownership out of component nesting: every package is a top-level component', () => {
    const document = cdx(imageSbom());
    expect(document.components.map((c) => c['bom-ref']).filter((ref) => ref?.startsWith('java-') || ref?.startsWith('python-'))).toEqual(
      expect.arrayContaining(['java-app', 'java-guava', 'python-requests']),
    );
    expect(document.components.every((c) => !('components' in c))).toBe(true);
  });

  it('marks containment and ownership with properties on the holder', () => {
    const document = cdx(imageSbom());
    expect(props(component(document, 'java-app'), 'sealkit:relationship:')).toEqual([['sealkit:relationship:contains', 'java-guava']]);
    expect(props(component(document, 'deb-python3-requests'), 'sealkit:relationship:')).toEqual([['sealkit:relationship:owns', 'python-requests']]);
  });

  it('marks dev and optional edges with properties on the dependent component', () => {
    const express = component(cdx(imageSbom()), 'npm-express');
    expect(props(express, 'sealkit:relationship:')).toEqual([
      ['sealkit:relationship:dev-depends-on', 'npm-@types/node'],
      ['sealkit:relationship:optional-depends-on', 'npm-fsevents'],
    ]);
    expect(props(component(cdx(imageSbom()), 'deb-bash'), 'sealkit:relationship:')).toEqual([]);
  });

  it('writes a relationship given twice once', () => {
    const sbom = imageSbom();
    sbom.relationships.push({ from: 'deb-bash', to: 'deb-libc6', type: 'depends-on' });
    expect(cdx(sbom).dependencies.find((d) => d.ref === 'deb-bash')?.dependsOn).toEqual(['deb-libc6']);
  });

  it('gives the source component a different ref when a package id already uses its natural one', () => {
    const sbom = emptyLockfileSbom();
    sbom.packages.push({ ...directorySbom().packages[0]!, id: 'source:lockfile:package-lock.json' });
    const document = cdx(sbom);
    expect(document.metadata.component['bom-ref']).toBe('source:lockfile:package-lock.json-2');
    expect(document.components[0]?.['bom-ref']).toBe('source:lockfile:package-lock.json');
  });
});

describe('CycloneDX determinism', () => {
  it('gives byte-identical output for the same SBOM, in every version', () => {
    for (const version of VERSIONS) {
      expect(serializeCycloneDxJson(imageSbom(), version)).toBe(serializeCycloneDxJson(imageSbom(), version));
    }
  });

  it('does not depend on the order of packages, relationships or layers in the model', () => {
    const shuffled = imageSbom();
    shuffled.packages.reverse();
    shuffled.relationships.reverse();
    shuffled.source.layers.reverse();
    expect(serializeCycloneDxJson(shuffled, '1.6')).toBe(serializeCycloneDxJson(imageSbom(), '1.6'));
  });

  it('derives a version-5 UUID serial number that changes with any change of content', () => {
    const serial = cdx(imageSbom()).serialNumber;
    expect(serial).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const bumped = imageSbom();
    bumped.packages[0]!.version = '5.2.15-2+b8';
    const later = imageSbom();
    later.timestamp = new Date('2025-01-02T03:04:06.678Z');
    const serials = new Set([serial, cdx(bumped).serialNumber, cdx(later).serialNumber, cdx(imageSbom(), '1.5').serialNumber]);
    expect(serials.size).toBe(4);
  });
});

describe('nameBasedUuid', () => {
  it('matches the version-5 UUIDs of Python’s uuid.uuid5', () => {
    const DNS = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
    const URL_NS = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';
    const OID = '6ba7b812-9dad-11d1-80b4-00c04fd430c8';
    expect(nameBasedUuid(DNS, 'python.org')).toBe('886313e1-3b8a-5372-9b90-0c9aee199e5d');
    expect(nameBasedUuid(DNS, 'www.example.com')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
    expect(nameBasedUuid(URL_NS, 'https://sealkit.dev/')).toBe('515a84c8-79da-597c-811f-c0c45547cb6c');
    expect(nameBasedUuid(OID, 'ünïcødé')).toBe('c696a0df-21e3-51fe-bce2-e432eed44184');
  });

  it('rejects a namespace that is not a UUID', () => {
    expect(() => nameBasedUuid('not-a-uuid', 'x')).toThrow(/not a UUID/);
  });
});

describe('CycloneDX rejects an inconsistent model', () => {
  const cases: Array<[string, (sbom: Sbom) => void]> = [
    ['a duplicate package id', (s) => s.packages.push({ ...s.packages[0]! })],
    ['an empty package id', (s) => (s.packages[0]!.id = '')],
    ['a relationship to an unknown package', (s) => s.relationships.push({ from: 'deb-bash', to: 'nope', type: 'depends-on' })],
    ['a relationship from an unknown package', (s) => s.relationships.push({ from: 'nope', to: 'deb-bash', type: 'dev-depends-on' })],
    ['an empty license expression', (s) => s.packages[0]!.licenses.push({ expression: ' ' })],
    ['an invalid timestamp', (s) => (s.timestamp = new Date('not a date'))],
  ];
  for (const [what, spoil] of cases) {
    it(`with INVALID_ARGUMENT for ${what}`, () => {
      const sbom = imageSbom();
      spoil(sbom);
      let caught: unknown;
      try {
        serializeCycloneDxJson(sbom, '1.6');
      } catch (error) {
        caught = error;
      }
      expect(isSealkitError(caught, 'INVALID_ARGUMENT'), String(caught)).toBe(true);
    });
  }
});
