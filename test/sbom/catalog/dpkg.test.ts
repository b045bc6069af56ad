import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { detectDistro } from '../../../src/sbom/catalog/distro.js';
import { dpkgCataloger } from '../../../src/sbom/catalog/dpkg.js';
import { MemoryResolver, runCataloger, type CatalogRun } from './memory-resolver.js';

const FIXTURES = join(import.meta.dirname, '../../../fixtures/catalog');
const ADMINDIR = join(FIXTURES, 'debian/var/lib/dpkg');
const QUERY_FORMAT = '${db:Status-Abbrev}\\t${Package}\\t${Version}\\t${Architecture}\\n';

const hasDpkgQuery = (() => {
  try {
    execFileSync('dpkg-query', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** `name\tversion\tarch` of the installed (`ii`) rows of dpkg-query output. */
function installedRows(output: string): string[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('ii'))
    .map((line) => line.split('\t').slice(1).join('\t'))
    .sort();
}

function dpkgQuery(admindir: string): string {
  return execFileSync('dpkg-query', [`--admindir=${admindir}`, '-W', `-f=${QUERY_FORMAT}`], { encoding: 'utf8' }).replace(/ +\t/g, '\t');
}

function ourRows(run: CatalogRun): string[] {
  return run.packages.map((p) => `${p.name}\t${p.version}\t${p.metadata.architecture}`).sort();
}

describe('dpkg-db on a Debian bookworm root', () => {
  let run: CatalogRun;
  let resolver: MemoryResolver;
  beforeAll(async () => {
    resolver = await MemoryResolver.fromDirectory(join(FIXTURES, 'debian'));
    run = runCataloger(dpkgCataloger, resolver, detectDistro(resolver));
  });

  it('finds exactly the installed packages dpkg-query reported when the fixture was made', () => {
    const recorded = readFileSync(join(FIXTURES, 'debian.dpkg-query.tsv'), 'utf8');
    expect(installedRows(recorded).length).toBeGreaterThan(40);
    expect(ourRows(run)).toEqual(installedRows(recorded));
    // netbase was removed and only its conffiles remain
    expect(recorded).toMatch(/^rc\tnetbase\t/m);
    expect(run.packages.some((p) => p.name === 'netbase')).toBe(false);
    expect(run.warnings).toEqual([]);
  });

  it.runIf(hasDpkgQuery)('agrees with dpkg-query run live on the fixture', () => {
    expect(ourRows(run)).toEqual(installedRows(dpkgQuery(ADMINDIR)));
  });

  it('keeps Multi-Arch: same packages once per architecture', () => {
    const libc = run.packages.filter((p) => p.name === 'libc6');
    expect(libc.map((p) => p.ref).sort()).toEqual(['libc6:amd64', 'libc6:i386']);
    expect(new Set(libc.map((p) => p.purl)).size).toBe(2);
    expect(libc.every((p) => p.metadata.multiArch === 'same')).toBe(true);
  });

  it('builds purls with the distro, arch and upstream source', () => {
    const byRef = new Map(run.packages.map((p) => [p.ref, p]));
    const debianVersion = readFileSync(join(FIXTURES, 'debian/etc/debian_version'), 'utf8').trim();
    const bash = byRef.get('bash:amd64');
    expect(bash?.purl).toBe(`pkg:deb/debian/bash@${bash?.version.replace('+', '%2B')}?arch=amd64&distro=debian-${debianVersion}`);
    expect(bash?.metadata).toMatchObject({ architecture: 'amd64', source: 'bash' });
    const zlib = byRef.get('zlib1g:i386');
    expect(zlib?.purl).toBe(`pkg:deb/debian/zlib1g@${zlib?.version}?arch=i386&distro=debian-${debianVersion}&upstream=zlib`);
    expect(zlib?.version).toMatch(/^1:/);
    const python3 = byRef.get('python3:amd64');
    expect(python3?.metadata.source).toBe('python3-defaults');
    expect(python3?.purl).toContain(`&upstream=python3-defaults%40${python3?.metadata.sourceVersion}`);
  });

  it('reads maintainer, homepage, summary line and installed size', () => {
    const requests = run.packages.find((p) => p.name === 'python3-requests');
    expect(requests).toMatchObject({
      supplier: 'Debian Python Team <team+python@tracker.debian.org>',
      description: 'elegant and simple HTTP library for Python3, built for human beings',
      type: 'deb',
      locations: [{ path: '/var/lib/dpkg/status' }],
    });
    expect(requests?.homepage).toMatch(/^https?:\/\//);
    expect(requests?.metadata.installedSize).toMatch(/^\d+$/);
  });

  it('takes licenses from DEP-5 and free-form copyright files, following doc folder links', () => {
    const licensesOf = (ref: string) => run.packages.find((p) => p.ref === ref)?.licenses;
    expect(licensesOf('zlib1g:amd64')).toEqual([{ expression: 'Zlib' }]);
    expect(licensesOf('zlib1g:i386')).toEqual([{ expression: 'Zlib' }]);
    expect(licensesOf('debconf:all')).toEqual([{ expression: 'BSD-2-Clause' }]);
    // Debian's "Apache" carries no version, so it stays a name
    expect(licensesOf('python3-requests:all')).toEqual([{ name: 'Apache' }, { name: 'other' }]);
    expect(licensesOf('bash:amd64')).toContainEqual({ expression: 'GPL-3.0-or-later' });
    expect(licensesOf('bash:amd64')).toContainEqual({ name: 'GPL-3+ with Bison exception' });
    // free-form files that point at /usr/share/common-licenses
    expect(licensesOf('libselinux1:amd64')).toEqual([{ expression: 'LGPL-2.1-only' }, { expression: 'GPL-2.0-only' }]);
    expect(licensesOf('base-files:amd64')).toEqual([{ name: 'GPL' }]);
    // libncursesw6's doc folder is a link to libtinfo6's
    expect(licensesOf('libncursesw6:amd64')).toEqual(licensesOf('libtinfo6:amd64'));
    expect(licensesOf('libncursesw6:amd64')?.length).toBeGreaterThan(0);
    // no copyright file in the fixture
    expect(licensesOf('libc6:amd64')).toEqual([]);
  });

  it('links Depends and Pre-Depends to installed packages of the right architecture', () => {
    const edges = new Set(run.relationships.map((r) => `${r.from} ${r.to} ${r.type}`));
    for (const edge of [
      'zlib1g:amd64 libc6:amd64',
      'zlib1g:i386 libc6:i386',
      'libgcc-s1:i386 gcc-12-base:i386',
      // python3:any from an Architecture: all package
      'python3-requests:all python3:amd64',
      'python3-requests:all python3-urllib3:all',
      // "debconf (>= 0.5) | debconf-2.0"
      'ca-certificates:all debconf:all',
      // "python3-importlib-metadata | python3 (>> 3.8)": the second alternative is the installed one
      'python3-jsonschema:all python3:amd64',
      // Pre-Depends
      'dpkg:amd64 tar:amd64',
    ]) {
      expect(edges.has(`${edge} depends-on`), edge).toBe(true);
    }
    expect(edges.has('zlib1g:i386 libc6:amd64 depends-on')).toBe(false);
    expect(run.relationships.every((r) => r.from !== r.to)).toBe(true);
  });

  it.runIf(hasDpkgQuery)('only links packages named in the dependent’s Depends or Pre-Depends, by name or Provides', () => {
    const fields = execFileSync('dpkg-query', [`--admindir=${ADMINDIR}`, '-W', '-f=${Package}:${Architecture}\\t${Pre-Depends}, ${Depends}\\t${Provides}\\n'], {
      encoding: 'utf8',
    });
    const depends = new Map<string, string>();
    const provides = new Map<string, string[]>();
    for (const line of fields.split('\n').filter(Boolean)) {
      const [ref = '', deps = '', provided = ''] = line.split('\t');
      depends.set(ref, deps);
      provides.set(ref, provided.split(',').map((p) => p.trim().split(' ')[0] ?? '').filter(Boolean));
    }
    const named = (deps: string) => new Set(deps.split(/[,|]/).map((d) => d.trim().split(/[\s:(]/)[0]).filter(Boolean));
    for (const relationship of run.relationships) {
      const names = named(depends.get(relationship.from) ?? '');
      const target = relationship.to.split(':')[0] ?? '';
      const viaProvides = (provides.get(relationship.to) ?? []).some((p) => names.has(p));
      expect(names.has(target) || viaProvides, `${relationship.from} -> ${relationship.to}`).toBe(true);
    }
  });

  it('gives the same result twice (pure and deterministic)', () => {
    expect(runCataloger(dpkgCataloger, resolver, detectDistro(resolver))).toEqual(run);
  });
});

describe('dpkg-db on a distroless status.d', () => {
  let run: CatalogRun;
  beforeAll(async () => {
    const resolver = await MemoryResolver.fromDirectory(join(FIXTURES, 'distroless'));
    run = runCataloger(dpkgCataloger, resolver, detectDistro(resolver));
  });

  it('reads one package per file, skipping the md5sums files', () => {
    expect(run.files.some((path) => path.endsWith('.md5sums'))).toBe(false);
    expect(run.packages.map((p) => p.name).sort()).toEqual(
      readdirSync(join(FIXTURES, 'distroless/var/lib/dpkg/status.d'))
        .filter((name) => !name.endsWith('.md5sums'))
        .sort(),
    );
    expect(run.packages.find((p) => p.name === 'libc6')?.locations).toEqual([{ path: '/var/lib/dpkg/status.d/libc6' }]);
    expect(run.warnings).toEqual([]);
  });

  it('agrees with the versions the Debian fixture recorded for the same packages', () => {
    const recorded = new Map(
      installedRows(readFileSync(join(FIXTURES, 'debian.dpkg-query.tsv'), 'utf8')).map((row) => {
        const [name, , arch] = row.split('\t');
        return [`${name}\t${arch}`, row] as const;
      }),
    );
    let compared = 0;
    for (const row of ourRows(run)) {
      const [name, , arch] = row.split('\t');
      const expected = recorded.get(`${name}\t${arch}`);
      if (expected === undefined) continue;
      expect(row).toBe(expected);
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(4);
  });

  it.runIf(hasDpkgQuery)('agrees with dpkg-query over the same paragraphs marked installed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sealkit-dpkg-'));
    try {
      const statusDir = join(FIXTURES, 'distroless/var/lib/dpkg/status.d');
      const paragraphs = readdirSync(statusDir)
        .filter((name) => !name.endsWith('.md5sums'))
        .sort()
        .map((name) => readFileSync(join(statusDir, name), 'utf8').trimEnd().replace(/^(Package: .*)$/m, '$1\nStatus: install ok installed'));
      writeFileSync(join(dir, 'status'), `${paragraphs.join('\n\n')}\n`);
      expect(ourRows(run)).toEqual(installedRows(dpkgQuery(dir)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('dpkg-db on damaged input', () => {
  const status = (text: string) => runCataloger(dpkgCataloger, new MemoryResolver({ '/var/lib/dpkg/status': text }));

  it('skips packages that are not installed', () => {
    const run = status(
      [
        'Package: kept\nStatus: install ok installed\nVersion: 1\nArchitecture: amd64',
        'Package: held\nStatus: hold ok installed\nVersion: 2\nArchitecture: amd64',
        'Package: half\nStatus: install ok half-configured\nVersion: 3\nArchitecture: amd64',
        'Package: gone\nStatus: deinstall ok config-files\nVersion: 4\nArchitecture: amd64',
        'Package: nostatus\nVersion: 5\nArchitecture: amd64',
      ].join('\n\n'),
    );
    expect(run.packages.map((p) => p.name)).toEqual(['kept', 'held']);
  });

  it('warns for an installed paragraph without Version and goes on', () => {
    const run = status('Package: broken\nStatus: install ok installed\n\nPackage: fine\nStatus: install ok installed\nVersion: 1.0\n');
    expect(run.packages.map((p) => p.name)).toEqual(['fine']);
    expect(run.warnings).toEqual([{ code: 'METADATA_UNPARSABLE', message: expect.stringContaining('broken'), path: '/var/lib/dpkg/status' }]);
  });

  it('warns for a file with no paragraph at all, and not for an empty one', () => {
    expect(status('\u0000\u0001 binary junk without fields').warnings).toHaveLength(1);
    expect(status('').warnings).toEqual([]);
  });

  it('does not link a dependency of another architecture or a missing one', () => {
    const run = status(
      [
        'Package: app\nStatus: install ok installed\nVersion: 1\nArchitecture: i386\nDepends: lib (>= 1), missing | lib2:amd64, tool:any',
        'Package: lib\nStatus: install ok installed\nVersion: 1\nArchitecture: amd64',
        'Package: lib2\nStatus: install ok installed\nVersion: 1\nArchitecture: amd64',
        'Package: tool\nStatus: install ok installed\nVersion: 1\nArchitecture: amd64\nMulti-Arch: allowed',
      ].join('\n\n'),
    );
    expect(run.relationships).toEqual([
      { from: 'app:i386', to: 'lib2:amd64', type: 'depends-on' },
      { from: 'app:i386', to: 'tool:amd64', type: 'depends-on' },
    ]);
  });

  it('resolves virtual packages through Provides', () => {
    const run = status(
      [
        'Package: mailer\nStatus: install ok installed\nVersion: 1\nArchitecture: all\nDepends: default-mta | mail-transport-agent',
        'Package: exim4\nStatus: install ok installed\nVersion: 4\nArchitecture: amd64\nProvides: mail-transport-agent',
      ].join('\n\n'),
    );
    expect(run.relationships).toEqual([{ from: 'mailer:all', to: 'exim4:amd64', type: 'depends-on' }]);
  });
});

describe('dpkg-db file lists (owned files)', () => {
  const OWNERSHIP = join(FIXTURES, 'ownership/root');
  const ownership = join(OWNERSHIP, 'var/lib/dpkg');
  let run: CatalogRun;
  beforeAll(async () => {
    const resolver = await MemoryResolver.fromDirectory(OWNERSHIP);
    run = runCataloger(dpkgCataloger, resolver);
  });

  /** The paths a list file names, the root itself (`/.`) left out: what dpkg-query -L prints. */
  const listed = (name: string) =>
    readFileSync(join(ownership, 'info', name), 'utf8')
      .split('\n')
      .filter((line) => line !== '' && line !== '/.');
  const ownedBy = (ref: string) => [...(run.packages.find((p) => p.ref === ref)?.ownedFiles ?? ['no such package'])];

  it('reads each package\'s own list, the arch-qualified one of a Multi-Arch: same package included', () => {
    expect(run.packages.map((p) => p.ref).sort()).toEqual(['libjcip-annotations-java:all', 'python3-six:all', 'ruby-blankslate:all', 'skopeo:amd64', 'zlib1g:amd64']);
    expect(ownedBy('python3-six:all')).toEqual(listed('python3-six.list'));
    expect(ownedBy('skopeo:amd64')).toContain('/usr/bin/skopeo');
    expect(ownedBy('zlib1g:amd64')).toEqual(listed('zlib1g:amd64.list'));
    expect(ownedBy('zlib1g:amd64')).toContain('/lib/x86_64-linux-gnu/libz.so.1');
    expect(run.warnings).toEqual([]);
  });

  it.runIf(hasDpkgQuery)('gives each package exactly the paths dpkg-query -L lists for it', () => {
    for (const pkg of run.packages) {
      const name = pkg.metadata.multiArch === 'same' ? `${pkg.name}:${pkg.metadata.architecture}` : pkg.name;
      const expected = execFileSync('dpkg-query', [`--admindir=${ownership}`, '-L', name], { encoding: 'utf8' })
        .split('\n')
        .filter((line) => line !== '' && line !== '/.');
      expect(ownedBy(pkg.ref), name).toEqual(expected);
    }
  });

  it('splits a list only when it is read, and anew each time', () => {
    const six = run.packages.find((p) => p.name === 'python3-six');
    expect(Array.isArray(six?.ownedFiles)).toBe(false);
    expect([...(six?.ownedFiles ?? [])]).toEqual([...(six?.ownedFiles ?? [])]);
  });

  it('gives no list to a package dpkg kept none for', () => {
    const run = runCataloger(dpkgCataloger, new MemoryResolver({ '/var/lib/dpkg/status': 'Package: a\nStatus: install ok installed\nVersion: 1\nArchitecture: amd64\n' }));
    expect(run.packages[0]?.ownedFiles).toBeUndefined();
  });

  it('reads a distroless package\'s .md5sums as its files, relative paths made absolute', async () => {
    const distroless = runCataloger(dpkgCataloger, await MemoryResolver.fromDirectory(join(FIXTURES, 'distroless')));
    const md5sums = readFileSync(join(FIXTURES, 'distroless/var/lib/dpkg/status.d/zlib1g.md5sums'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => `/${line.slice(34)}`);
    expect([...(distroless.packages.find((p) => p.name === 'zlib1g')?.ownedFiles ?? [])]).toEqual(md5sums);
    expect(md5sums).toContain('/lib/x86_64-linux-gnu/libz.so.1.2.13');
    expect(distroless.packages.find((p) => p.name === 'libc6')?.ownedFiles).toBeUndefined();
  });
});
