/**
 * Hand-built SBOMs that the serializer tests and the SPDX schema conformance test share.
 * Together they cover every source kind, several package types, every combination of licenses
 * the model can hold, every relationship type and metadata with awkward characters.
 */
import type { License, Package, Sbom } from '../../../src/sbom/model.js';

const LAYER_0 = `sha256:${'a1'.repeat(32)}`;
const LAYER_1 = `sha256:${'b2'.repeat(32)}`;
const MANIFEST = `sha256:${'c3'.repeat(32)}`;
const IMAGE_ID = `sha256:${'d4'.repeat(32)}`;

/** Metadata whose keys and values use characters JSON, SPDX and CycloneDX treat specially. */
export const ODD_METADATA: Record<string, string> = {
  architecture: 'amd64',
  'key with spaces': 'value "quoted" \\ backslash',
  'colon:key/with=signs': 'line one\nline two\ttabbed',
  'ünïcødé-キー': 'emoji 📦 and \u0007 bell and \u2028 separator',
  empty: '',
  'lone-surrogate': 'half a pair \ud800 here',
};

function pkg(fields: Partial<Package> & Pick<Package, 'id' | 'name' | 'type' | 'purl'>): Package {
  return {
    version: '1.0.0',
    licenses: [],
    locations: [{ path: '/usr/lib/unknown' }],
    foundBy: 'test-cataloger',
    metadata: {},
    ...fields,
  };
}

/** One package per license combination the model can express; its id names the combination. */
export const LICENSE_CASES: Record<string, License[]> = {
  none: [],
  'one-id': [{ expression: 'MIT' }],
  'several-ids': [{ expression: 'MIT' }, { expression: 'Apache-2.0' }, { expression: 'BSD-3-Clause' }],
  compound: [{ expression: 'GPL-2.0-or-later OR MIT' }],
  names: [{ name: 'Custom License' }, { name: 'Proprietary' }],
  'names-and-ids': [{ name: 'Proprietary' }, { expression: 'MIT' }],
  'names-and-compound': [{ name: 'Custom License' }, { expression: 'Apache-2.0 WITH LLVM-exception' }, { expression: 'MIT' }],
  'ids-and-compound': [{ expression: 'Zlib' }, { expression: 'LGPL-2.1-only OR BSD-2-Clause' }],
  'forbidden-characters': [{ name: 'Copyright © Foo_Bar (2024) / all rights' }, { name: '!!!' }],
  'case-collision': [{ name: 'custom' }, { name: 'Custom' }],
  'licenseref-expression': [{ expression: 'LicenseRef-vendor-eula' }, { name: 'Proprietary' }],
  duplicates: [{ expression: 'MIT' }, { expression: 'MIT' }, { name: 'Proprietary' }, { name: 'Proprietary' }],
};

function licensePackages(): Package[] {
  return Object.entries(LICENSE_CASES).map(([combination, licenses]) =>
    pkg({
      id: `licenses-${combination}`,
      name: `license-${combination}`,
      type: 'npm',
      purl: `pkg:npm/license-${combination}@1.0.0`,
      licenses,
      locations: [{ path: `/app/node_modules/license-${combination}/package.json` }],
      foundBy: 'npm-package-json',
    }),
  );
}

/**
 * A Debian-based image with two layers, a distro, OS and language packages and all relationship
 * types: a deb owns the Python distribution it installed, and an application jar both contains and
 * depends on the library nested in it.
 */
export function imageSbom(): Sbom {
  const packages: Package[] = [
    pkg({
      id: 'deb-bash',
      name: 'bash',
      version: '5.2.15-2+b7',
      type: 'deb',
      purl: 'pkg:deb/debian/bash@5.2.15-2%2Bb7?arch=amd64&distro=debian-12',
      licenses: [{ expression: 'GPL-3.0-or-later' }, { name: 'BSD-4-Clause-UC (shipped as a file)' }],
      locations: [
        { path: '/usr/share/doc/bash/copyright', layer: LAYER_0 },
        { path: '/var/lib/dpkg/status', layer: LAYER_0 },
      ],
      foundBy: 'dpkg-db',
      metadata: ODD_METADATA,
      description: 'GNU Bourne Again SHell\n Bash is an sh-compatible command language interpreter.',
      homepage: 'https://tiswww.case.edu/php/chet/bash/bashtop.html',
      supplier: 'Matthias Klose <doko@debian.org>',
    }),
    pkg({
      id: 'deb-libc6',
      name: 'libc6',
      version: '2.36-9+deb12u10',
      type: 'deb',
      purl: 'pkg:deb/debian/libc6@2.36-9%2Bdeb12u10?arch=amd64&distro=debian-12',
      licenses: [{ expression: 'LGPL-2.1-or-later AND GPL-2.0-or-later' }],
      locations: [{ path: '/var/lib/dpkg/status', layer: LAYER_0 }],
      foundBy: 'dpkg-db',
      metadata: { architecture: 'amd64', source: 'glibc' },
      description: 'GNU C Library: Shared libraries',
      supplier: 'GNU Libc Maintainers <debian-glibc@lists.debian.org>',
    }),
    pkg({
      id: 'npm-express',
      name: 'express',
      version: '4.21.2',
      type: 'npm',
      purl: 'pkg:npm/express@4.21.2',
      licenses: [{ expression: 'MIT' }],
      locations: [{ path: '/app/node_modules/express/package.json', layer: LAYER_1 }],
      foundBy: 'npm-package-json',
      homepage: 'http://expressjs.com/',
      supplier: 'TJ Holowaychuk <tj@vision-media.ca>',
    }),
    pkg({
      id: 'npm-@types/node',
      name: '@types/node',
      version: '22.10.0',
      type: 'npm',
      purl: 'pkg:npm/%40types/node@22.10.0',
      licenses: [{ expression: 'MIT' }],
      locations: [{ path: '/app/node_modules/@types/node/package.json', layer: LAYER_1 }],
      foundBy: 'npm-package-json',
    }),
    pkg({
      id: 'npm-fsevents',
      name: 'fsevents',
      version: '2.3.3',
      type: 'npm',
      purl: 'pkg:npm/fsevents@2.3.3',
      licenses: [{ expression: 'MIT' }],
      locations: [{ path: '/app/node_modules/fsevents/package.json', layer: LAYER_1 }],
      foundBy: 'npm-package-json',
    }),
    pkg({
      id: 'python-requests',
      name: 'requests',
      version: '2.32.3',
      type: 'python',
      purl: 'pkg:pypi/requests@2.32.3',
      licenses: [{ name: 'Apache 2.0' }],
      locations: [{ path: '/usr/lib/python3/dist-packages/requests-2.32.3.dist-info/METADATA', layer: LAYER_1 }],
      foundBy: 'python-installed',
      homepage: 'UNKNOWN',
      supplier: 'Organization: Python Software Foundation',
    }),
    pkg({
      id: 'go-x-text',
      name: 'golang.org/x/text',
      version: 'v0.21.0',
      type: 'go',
      purl: 'pkg:golang/golang.org/x/text@v0.21.0',
      locations: [{ path: '/usr/local/bin/app', layer: LAYER_1 }],
      foundBy: 'go-binary',
    }),
    pkg({
      id: 'rust-serde',
      name: 'serde',
      version: '',
      type: 'rust',
      purl: 'pkg:cargo/serde',
      licenses: [{ expression: 'MIT OR Apache-2.0' }],
      locations: [{ path: '/usr/local/bin/app', layer: LAYER_1 }],
      foundBy: 'rust-binary',
      supplier: 'Red Hat, Inc.',
    }),
    pkg({
      id: 'deb-python3-requests',
      name: 'python3-requests',
      version: '2.32.3+dfsg-1',
      type: 'deb',
      purl: 'pkg:deb/debian/python3-requests@2.32.3%2Bdfsg-1?arch=all&distro=debian-12',
      locations: [{ path: '/var/lib/dpkg/status', layer: LAYER_1 }],
      foundBy: 'dpkg-db',
    }),
    pkg({
      id: 'java-app',
      name: 'app',
      version: '1.2.0',
      type: 'java',
      purl: 'pkg:maven/com.example/app@1.2.0',
      locations: [{ path: '/opt/app/app.jar', layer: LAYER_1 }],
      foundBy: 'java-archive',
    }),
    pkg({
      id: 'java-guava',
      name: 'guava',
      version: '33.3.1-jre',
      type: 'java',
      purl: 'pkg:maven/com.google.guava/guava@33.3.1-jre',
      licenses: [{ expression: 'Apache-2.0' }],
      locations: [
        { path: '/opt/app/lib/guava-33.3.1-jre.jar', layer: LAYER_1 },
        { path: '/opt/app/lib/guava-33.3.1-jre.jar', layer: LAYER_0 },
      ],
      foundBy: 'java-archive',
    }),
  ];
  return {
    source: {
      kind: 'image',
      scheme: 'oci-archive',
      location: 'debian-app.tar',
      name: 'registry.example/team/app:1.2',
      tag: '1.2',
      manifestDigest: MANIFEST,
      imageId: IMAGE_ID,
      platform: 'linux/amd64',
      layers: [
        { index: 1, diffID: LAYER_1, digest: `sha256:${'e5'.repeat(32)}`, size: 2048, createdBy: 'COPY . /app # buildkit' },
        {
          index: 0,
          diffID: LAYER_0,
          digest: `sha256:${'f6'.repeat(32)}`,
          mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
          size: 1024,
        },
      ],
    },
    distro: {
      id: 'debian',
      versionId: '12',
      version: '12.10',
      codename: 'bookworm',
      prettyName: 'Debian GNU/Linux 12 (bookworm)',
      idLike: ['linux', 'unix-like'],
    },
    packages,
    relationships: [
      { from: 'deb-bash', to: 'deb-libc6', type: 'depends-on' },
      { from: 'npm-express', to: 'npm-@types/node', type: 'dev-depends-on' },
      { from: 'npm-express', to: 'npm-fsevents', type: 'optional-depends-on' },
      { from: 'python-requests', to: 'deb-libc6', type: 'depends-on' },
      { from: 'deb-python3-requests', to: 'python-requests', type: 'owns' },
      { from: 'java-app', to: 'java-guava', type: 'contains' },
      { from: 'java-app', to: 'java-guava', type: 'depends-on' },
    ],
    warnings: [],
    timestamp: new Date('2025-01-02T03:04:05.678Z'),
    scope: 'squashed',
    tool: { name: 'sealkit', version: '0.1.0' },
  };
}

/** A project directory without a distro, holding one package per license combination. */
export function directorySbom(): Sbom {
  return {
    source: { kind: 'directory', scheme: 'dir', location: './project', name: 'project', layers: [] },
    packages: licensePackages(),
    relationships: [
      { from: 'licenses-one-id', to: 'licenses-compound', type: 'depends-on' },
      { from: 'licenses-one-id', to: 'licenses-names', type: 'dev-depends-on' },
      { from: 'licenses-names', to: 'licenses-none', type: 'optional-depends-on' },
    ],
    warnings: [],
    timestamp: new Date('2024-06-30T23:59:59.000Z'),
    scope: 'squashed',
    tool: { name: 'sealkit', version: '0.1.0' },
  };
}

/** A lockfile with no packages at all: the smallest document each format can hold. */
export function emptyLockfileSbom(): Sbom {
  return {
    source: { kind: 'lockfile', scheme: 'lockfile', location: 'package-lock.json', name: 'package-lock.json', layers: [] },
    packages: [],
    relationships: [],
    warnings: [],
    timestamp: new Date('2024-01-01T00:00:00.000Z'),
    scope: 'squashed',
    tool: { name: 'sealkit', version: '0.1.0' },
  };
}

function lockedPackage(name: string, version: string, fields: Partial<Package> = {}): Package {
  return pkg({
    id: `pkg:npm/${name}@${version}`,
    name,
    version,
    type: 'npm',
    purl: `pkg:npm/${name}@${version}`,
    licenses: [{ expression: 'MIT' }],
    locations: [{ path: '/package-lock.json' }],
    foundBy: 'npm-lockfile',
    ...fields,
  });
}

/**
 * A lockfile that describes one project (its subject): a runtime dependency with its own
 * dependency, a development-only package and an optional one, edges from the project to each.
 */
export function projectSbom(): Sbom {
  const project = 'project:pkg:npm/web-app@2.0.0';
  return {
    source: { kind: 'lockfile', scheme: 'lockfile', location: 'app/package-lock.json', name: 'package-lock.json', layers: [] },
    packages: [
      lockedPackage('express', '4.21.2'),
      lockedPackage('debug', '2.6.9'),
      lockedPackage('vitest', '3.0.0', { dev: true }),
      lockedPackage('fsevents', '2.3.3', { metadata: { optional: 'true', platform: 'darwin' } }),
    ],
    projects: [{ id: project, name: 'web-app', version: '2.0.0', purl: 'pkg:npm/web-app@2.0.0', locations: [{ path: '/package-lock.json' }] }],
    relationships: [
      { from: project, to: 'pkg:npm/express@4.21.2', type: 'depends-on' },
      { from: project, to: 'pkg:npm/vitest@3.0.0', type: 'dev-depends-on' },
      { from: project, to: 'pkg:npm/fsevents@2.3.3', type: 'optional-depends-on' },
      { from: 'pkg:npm/express@4.21.2', to: 'pkg:npm/debug@2.6.9', type: 'depends-on' },
    ],
    warnings: [],
    timestamp: new Date('2025-03-04T05:06:07.000Z'),
    scope: 'squashed',
    tool: { name: 'sealkit', version: '0.1.0' },
  };
}

/**
 * A directory with two lockfiles: a workspace member with a registry identity and one without
 * (a private project, no purl), sharing a package; the directory is the subject.
 */
export function workspaceSbom(): Sbom {
  const api = 'project:pkg:npm/%40acme/api@1.0.0';
  const tools = 'project:/tools/Cargo.lock';
  return {
    source: { kind: 'directory', scheme: 'dir', location: './monorepo', name: 'monorepo', layers: [] },
    packages: [
      lockedPackage('lodash', '4.17.21', { locations: [{ path: '/api/package-lock.json' }] }),
      lockedPackage('typescript', '5.7.2', { dev: true, locations: [{ path: '/api/package-lock.json' }] }),
      pkg({
        id: 'pkg:cargo/serde@1.0.217',
        name: 'serde',
        version: '1.0.217',
        type: 'rust',
        purl: 'pkg:cargo/serde@1.0.217',
        licenses: [{ expression: 'MIT OR Apache-2.0' }],
        locations: [{ path: '/tools/Cargo.lock' }],
        foundBy: 'rust-cargo-lock',
      }),
    ],
    projects: [
      { id: api, name: '@acme/api', version: '1.0.0', purl: 'pkg:npm/%40acme/api@1.0.0', locations: [{ path: '/api/package-lock.json' }] },
      { id: tools, name: 'tools', locations: [{ path: '/tools/Cargo.lock' }] },
    ],
    relationships: [
      { from: api, to: 'pkg:npm/lodash@4.17.21', type: 'depends-on' },
      { from: api, to: 'pkg:npm/typescript@5.7.2', type: 'dev-depends-on' },
      { from: tools, to: 'pkg:cargo/serde@1.0.217', type: 'depends-on' },
    ],
    warnings: [],
    timestamp: new Date('2025-03-04T05:06:07.000Z'),
    scope: 'squashed',
    tool: { name: 'sealkit', version: '0.1.0' },
  };
}

/** Every sample, by name, for tests that run over all of them. */
export const SAMPLES: ReadonlyArray<readonly [string, () => Sbom]> = [
  ['image', imageSbom],
  ['directory', directorySbom],
  ['empty lockfile', emptyLockfileSbom],
  ['one-project lockfile', projectSbom],
  ['workspace directory', workspaceSbom],
];
