import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateSbom } from '../../../../src/index.js';
import { detectDistro } from '../../../../src/sbom/catalog/distro.js';
import { catalogRpmDatabase, rpmCataloger } from '../../../../src/sbom/catalog/rpm/cataloger.js';
import { MemoryResolver, runCataloger, type CatalogRun } from '../memory-resolver.js';

// a scan runs prepare right before parse (the pipeline does it); these tests call parse directly,
// and SQLite is let go at the next turn of the event loop after a read, so each test starts it
const prepareSqlite = () => rpmCataloger.prepare?.(['/var/lib/rpm/rpmdb.sqlite']);
beforeEach(prepareSqlite);

const FIXTURES = join(import.meta.dirname, '../../../../fixtures/catalog/rpm');
const SQLITE_DB = 'usr/lib/sysimage/rpm/rpmdb.sqlite';
const QUERY_FORMAT = '%{NAME}\\t%{EPOCH}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\n';
const scratch = mkdtempSync(join(tmpdir(), 'sealkit-rpm-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const hasRpm = (() => {
  try {
    execFileSync('rpm', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** A fixture root on disk; sqlite-wal's WAL gets sqlite/'s database beside it, as rpm left them. */
function fixtureRoot(name: string): string {
  if (name !== 'sqlite-wal') return join(FIXTURES, name);
  const root = join(scratch, 'sqlite-wal');
  cpSync(join(FIXTURES, 'sqlite-wal'), root, { recursive: true });
  cpSync(join(FIXTURES, 'sqlite', SQLITE_DB), join(root, 'var/lib/rpm/rpmdb.sqlite'));
  return root;
}

async function catalog(name: string): Promise<CatalogRun> {
  const resolver = await MemoryResolver.fromDirectory(fixtureRoot(name));
  await prepareSqlite();
  return runCataloger(rpmCataloger, resolver, detectDistro(resolver));
}

/** Our packages as `rpm -qa --qf '%{NAME}\t%{EPOCH}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\n'` prints them. */
function rows(run: CatalogRun): string[] {
  return run.packages
    .map((p) => {
      const evr = /^(?:(\d+):)?(.*)-([^-]+)$/.exec(p.version);
      return [p.name, p.metadata.epoch ?? '(none)', evr?.[2], p.metadata.release, p.metadata.architecture ?? '(none)'].join('\t');
    })
    .sort();
}

function recorded(name: string): string[] {
  return readFileSync(join(FIXTURES, `${name}.rpm-qa.tsv`), 'utf8').split('\n').filter(Boolean).sort();
}

const FORMATS = [
  { fixture: 'sqlite', backend: 'sqlite', path: '/usr/lib/sysimage/rpm/rpmdb.sqlite' },
  { fixture: 'sqlite-wal', backend: 'sqlite', path: '/var/lib/rpm/rpmdb.sqlite' },
  { fixture: 'bdb', backend: 'bdb_ro', path: '/var/lib/rpm/Packages' },
  { fixture: 'bdb-be', backend: 'bdb_ro', path: '/var/lib/rpm/Packages' },
  { fixture: 'bdb-centos8', backend: 'bdb_ro', path: '/var/lib/rpm/Packages' },
  { fixture: 'ndb', backend: 'ndb', path: '/var/lib/rpm/Packages.db' },
  { fixture: 'ndb-sle15', backend: 'ndb', path: '/usr/lib/sysimage/rpm/Packages.db' },
] as const;

describe.each(FORMATS)('rpm-db on $fixture', ({ fixture, backend, path }) => {
  let run: CatalogRun;
  beforeAll(async () => {
    run = await catalog(fixture);
  });

  it('finds exactly the packages rpm -qa listed when the fixture was made', () => {
    expect(recorded(fixture).length).toBeGreaterThan(0);
    expect(rows(run)).toEqual(recorded(fixture));
    expect(run.warnings).toEqual([]);
    expect(run.packages.every((p) => p.locations.length === 1 && p.locations[0]?.path === path)).toBe(true);
  });

  // Debian's rpm reads SQLite and (read-only) Berkeley DB; it has no NDB backend
  it.runIf(hasRpm && backend !== 'ndb')('agrees with rpm -qa run live on a copy of the fixture', () => {
    const copy = join(scratch, `live-${fixture}`);
    cpSync(join(fixtureRoot(fixture), path.slice(1, path.lastIndexOf('/'))), copy, { recursive: true });
    const live = execFileSync('rpm', ['-qa', '--dbpath', copy, '--define', `_db_backend ${backend}`, '--qf', QUERY_FORMAT], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(rows(run)).toEqual(live.split('\n').filter(Boolean).sort());
  });
});

describe('rpm-db packages', () => {
  let run: CatalogRun;
  beforeAll(async () => {
    run = await catalog('sqlite');
  });
  const byName = (name: string) => run.packages.find((p) => p.name === name);

  it('builds purls with the distro namespace, epoch, arch, distro and source rpm', () => {
    expect(byName('openssl-libs')?.purl).toBe(
      'pkg:rpm/fedora/openssl-libs@3.1.1-4.fc39?arch=x86_64&distro=fedora-39&epoch=1&upstream=openssl-3.1.1-4.fc39.src.rpm',
    );
    expect(byName('python3-requests')?.purl).toBe('pkg:rpm/fedora/python3-requests@2.28.2-5.fc39?arch=noarch&distro=fedora-39&upstream=python-requests-2.28.2-5.fc39.src.rpm');
    // rpm --import's pseudo-package: listed by rpm -qa, with no arch and no source
    expect(byName('gpg-pubkey')?.purl).toBe('pkg:rpm/fedora/gpg-pubkey@8783d481-63ceb953?distro=fedora-39');
  });

  it('writes the version as rpm does, with the epoch only when there is one', () => {
    expect(byName('openssl-libs')?.version).toBe('1:3.1.1-4.fc39');
    expect(byName('zlib')?.version).toBe('1.2.13-5.fc39');
    expect(byName('openssl-libs')?.ref).toBe('openssl-libs-1:3.1.1-4.fc39.x86_64');
  });

  it('keeps the source rpm, vendor, size and summary', () => {
    expect(byName('openssl-libs')).toMatchObject({
      type: 'rpm',
      supplier: 'Fedora Project',
      homepage: 'http://www.openssl.org/',
      description: 'A general purpose cryptography library with TLS implementation',
      metadata: { architecture: 'x86_64', epoch: '1', release: '4.fc39', sourceRpm: 'openssl-3.1.1-4.fc39.src.rpm', vendor: 'Fedora Project', installedSize: String('libssl 3.1.1\n'.length + 'libcrypto 3.1.1\n'.length + '# openssl.cnf\n'.length) },
    });
  });

  it('normalizes licenses only when certain', () => {
    expect(byName('zlib')?.licenses).toEqual([{ expression: 'Zlib AND BSL-1.0' }]);
    // Fedora's older short names
    expect(byName('openssl')?.licenses).toEqual([{ expression: 'Apache-2.0' }]);
    expect(byName('bash')?.licenses).toEqual([{ expression: 'GPL-3.0-or-later' }]);
    expect(byName('filesystem')?.licenses).toEqual([{ name: 'Public Domain' }]);
  });

  it('links requirements to the packages that provide them or own the required file', () => {
    const edges = run.relationships.map((r) => `${r.from} -> ${r.to}`).sort();
    expect(edges).toEqual([
      // Requires: filesystem >= 3
      'bash-5.2.26-1.fc39.x86_64 -> filesystem-3.18-6.fc39.x86_64',
      // Requires: /usr/bin/bash, a file bash owns
      'openssl-1:3.1.1-4.fc39.x86_64 -> bash-5.2.26-1.fc39.x86_64',
      // Requires: openssl-libs(x86-64) = 1:3.1.1-4.fc39, a capability
      'openssl-1:3.1.1-4.fc39.x86_64 -> openssl-libs-1:3.1.1-4.fc39.x86_64',
      // Requires: libz.so.1()(64bit), a soname zlib provides
      'openssl-libs-1:3.1.1-4.fc39.x86_64 -> zlib-1.2.13-5.fc39.x86_64',
      'python3-requests-2.28.2-5.fc39.noarch -> openssl-libs-1:3.1.1-4.fc39.x86_64',
    ]);
    expect(run.relationships.every((r) => r.type === 'depends-on')).toBe(true);
  });

  it('keeps each package file list for ownership', async () => {
    const resolver = await MemoryResolver.fromDirectory(join(FIXTURES, 'sqlite'));
    const files = resolver.glob('usr/lib/sysimage/rpm/*');
    const { installed } = catalogRpmDatabase(files, { resolver, distro: detectDistro(resolver), warn: () => undefined });
    const requests = installed.find((entry) => entry.draft.name === 'python3-requests');
    expect(requests?.info.files).toContain('/usr/lib/python3.12/site-packages/requests-2.28.2.dist-info/METADATA');
    expect(installed.map((entry) => entry.draft)).toEqual(run.packages.map(({ ...p }) => p));
  });

  it('names the distro from the vendor when a root has no os-release', async () => {
    const sle = await catalog('ndb-sle15');
    expect(sle.packages.find((p) => p.name === 'libz1')?.purl).toBe('pkg:rpm/suse/libz1@1.2.11-3.21.1?arch=x86_64&upstream=zlib-1.2.11-3.21.1.src.rpm');
  });
});

describe('rpm-db database choice and bad input', () => {
  const sqlite = readFileSync(join(FIXTURES, 'sqlite', SQLITE_DB));
  const bdb = readFileSync(join(FIXTURES, 'bdb/var/lib/rpm/Packages'));
  const ndb = readFileSync(join(FIXTURES, 'ndb/var/lib/rpm/Packages.db'));
  const sle = readFileSync(join(FIXTURES, 'ndb-sle15/usr/lib/sysimage/rpm/Packages.db'));

  it('reads one database: /usr/lib/sysimage/rpm before /var/lib/rpm, SQLite before NDB before Berkeley DB', () => {
    const run = runCataloger(rpmCataloger, new MemoryResolver({ '/var/lib/rpm/rpmdb.sqlite': sqlite, '/usr/lib/sysimage/rpm/Packages.db': sle }));
    expect(run.packages.map((p) => p.name)).toContain('libz1');
    expect(run.packages.map((p) => p.name)).not.toContain('zlib');
    const sameDirectory = runCataloger(rpmCataloger, new MemoryResolver({ '/var/lib/rpm/Packages': bdb, '/var/lib/rpm/Packages.db': sle, '/var/lib/rpm/rpmdb.sqlite': sqlite }));
    expect(new Set(sameDirectory.packages.map((p) => p.locations[0]?.path))).toEqual(new Set(['/var/lib/rpm/rpmdb.sqlite']));
    const ndbOverBdb = runCataloger(rpmCataloger, new MemoryResolver({ '/var/lib/rpm/Packages': bdb, '/var/lib/rpm/Packages.db': sle }));
    expect(ndbOverBdb.packages.map((p) => p.name)).toContain('libz1');
    const ostree = runCataloger(rpmCataloger, new MemoryResolver({ '/usr/share/rpm/Packages': bdb }));
    expect(ostree.packages).toHaveLength(7);
  });

  it('warns, naming the file, when a database of any format cannot be read', () => {
    const cases = {
      '/var/lib/rpm/rpmdb.sqlite': sqlite.subarray(0, 5000),
      '/usr/share/rpm/Packages': bdb.subarray(0, 40),
      '/usr/lib/sysimage/rpm/Packages.db': Buffer.from('not an ndb database, just text'),
    };
    for (const [path, content] of Object.entries(cases)) {
      const run = runCataloger(rpmCataloger, new MemoryResolver({ [path]: content }));
      expect(run.packages).toEqual([]);
      expect(run.warnings).toHaveLength(1);
      expect(run.warnings[0]).toMatchObject({ code: 'METADATA_UNPARSABLE', path });
      expect(run.warnings[0]?.message).toMatch(/^unreadable rpm (sqlite|bdb|ndb) database: /);
    }
    const empty = runCataloger(rpmCataloger, new MemoryResolver({ '/var/lib/rpm/Packages': Buffer.alloc(0) }));
    expect(empty.warnings[0]?.message).toMatch(/shorter than its metadata page/);
  });

  it('warns about one damaged header and still reads the others', () => {
    const damaged = Buffer.from(ndb);
    // the first used slot's blob: overwrite the header's entry count
    let slot = 32;
    while (damaged.readUInt32LE(slot + 4) === 0) slot += 16;
    damaged.writeUInt32BE(0xffffffff, damaged.readUInt32LE(slot + 8) * 16 + 16);
    const run = runCataloger(rpmCataloger, new MemoryResolver({ '/var/lib/rpm/Packages.db': damaged }));
    expect(run.packages).toHaveLength(6);
    expect(run.warnings).toEqual([
      { code: 'METADATA_UNPARSABLE', message: `unreadable rpm header ${damaged.readUInt32LE(slot + 4)}: header declares 4294967295 index entries`, path: '/var/lib/rpm/Packages.db' },
    ]);
  });

  it('warns about a WAL it has to ignore, and reads the database without it', () => {
    const run = runCataloger(rpmCataloger, new MemoryResolver({ '/var/lib/rpm/rpmdb.sqlite': sqlite, '/var/lib/rpm/rpmdb.sqlite-wal': Buffer.alloc(64, 1) }));
    expect(rows(run)).toEqual(recorded('sqlite'));
    expect(run.warnings).toEqual([{ code: 'METADATA_UNPARSABLE', message: '/var/lib/rpm/rpmdb.sqlite-wal ignored: the WAL has no WAL magic number', path: '/var/lib/rpm/rpmdb.sqlite' }]);
  });
});

describe('generateSbom on rpm roots', () => {
  it('reports the rpm packages of a directory, with their distro and dependencies', async () => {
    const sbom = await generateSbom(`dir:${fixtureRoot('sqlite-wal')}`, { timestamp: 0 });
    const rpms = sbom.packages.filter((p) => p.foundBy === 'rpm-db');
    expect(rows({ packages: rpms, relationships: [], warnings: [], files: [] } as unknown as CatalogRun)).toEqual(recorded('sqlite-wal'));
    expect(sbom.distro).toMatchObject({ id: 'fedora', versionId: '39' });
    expect(rpms.find((p) => p.name === 'tzdata')).toMatchObject({
      purl: 'pkg:rpm/fedora/tzdata@2024a-2.fc39?arch=noarch&distro=fedora-39&upstream=tzdata-2024a-2.fc39.src.rpm',
      locations: [{ path: '/var/lib/rpm/rpmdb.sqlite' }],
      licenses: [{ expression: 'LicenseRef-Fedora-Public-Domain' }],
    });
    const id = (name: string) => rpms.find((p) => p.name === name)?.id;
    expect(sbom.relationships).toContainEqual({ from: id('openssl-libs'), to: id('zlib'), type: 'depends-on' });
    expect(sbom.warnings).toEqual([]);
  });

  it('reads NDB and Berkeley DB roots the same way', async () => {
    for (const fixture of ['ndb-sle15', 'bdb-be']) {
      const sbom = await generateSbom(`dir:${fixtureRoot(fixture)}`, { timestamp: 0, catalogers: ['rpm-db'] });
      expect(rows({ packages: sbom.packages } as unknown as CatalogRun)).toEqual(recorded(fixture));
    }
  });

  it('warns about a corrupt database and finds nothing in it', async () => {
    const root = join(scratch, 'corrupt');
    mkdirSync(join(root, 'var/lib/rpm'), { recursive: true });
    writeFileSync(join(root, 'var/lib/rpm/Packages'), Buffer.alloc(8192, 0x5a));
    const sbom = await generateSbom(`dir:${root}`, { timestamp: 0 });
    expect(sbom.packages).toEqual([]);
    expect(sbom.warnings).toMatchObject([{ code: 'METADATA_UNPARSABLE', path: '/var/lib/rpm/Packages' }]);
  });
});

describe('rpm-db file lists (owned files)', () => {
  const METADATA = '/usr/lib/python3.12/site-packages/requests-2.28.2.dist-info/METADATA';

  it('gives each package the files of its header', async () => {
    const run = await catalog('sqlite');
    const requests = run.packages.find((p) => p.name === 'python3-requests');
    expect([...(requests?.ownedFiles ?? [])]).toContain(METADATA);
    expect([...(run.packages.find((p) => p.name === 'gpg-pubkey')?.ownedFiles ?? ['none'])]).toEqual([]);
  });

  it.runIf(hasRpm)('gives each package exactly the files rpm -ql lists for it', async () => {
    const run = await catalog('sqlite');
    const copy = join(scratch, 'live-files');
    cpSync(join(FIXTURES, 'sqlite/usr/lib/sysimage/rpm'), copy, { recursive: true });
    for (const pkg of run.packages) {
      const nevra = `${pkg.name}-${pkg.version.replace(/^\d+:/, '')}${pkg.metadata.architecture === undefined ? '' : `.${pkg.metadata.architecture}`}`;
      const live = execFileSync('rpm', ['-ql', '--dbpath', copy, nevra], { encoding: 'utf8' }).split('\n').filter(Boolean);
      expect([...(pkg.ownedFiles ?? [])], nevra).toEqual(live.filter((line) => line !== '(contains no files)'));
    }
  });

  it('relates the Python distribution an rpm installed to that rpm through generateSbom, keeping both', async () => {
    const root = join(scratch, 'owned');
    cpSync(join(FIXTURES, 'sqlite'), root, { recursive: true });
    // the payload python-requests.spec writes
    mkdirSync(join(root, METADATA, '..'), { recursive: true });
    writeFileSync(join(root, METADATA), 'Metadata-Version: 2.1\nName: requests\nVersion: 2.28.2\n');
    const sbom = await generateSbom(`dir:${root}`, { timestamp: 0 });
    const rpm = sbom.packages.find((p) => p.type === 'rpm' && p.name === 'python3-requests');
    const pypi = sbom.packages.find((p) => p.type === 'python' && p.name === 'requests');
    expect(pypi?.locations).toEqual([{ path: METADATA }]);
    const owns = sbom.relationships.filter((r) => r.type === 'owns');
    expect(owns).toEqual([{ from: rpm?.id, to: pypi?.id, type: 'owns' }]);
    if (hasRpm) {
      const copy = join(scratch, 'live-owner');
      cpSync(join(FIXTURES, 'sqlite/usr/lib/sysimage/rpm'), copy, { recursive: true });
      const owner = execFileSync('rpm', ['-qf', '--dbpath', copy, '--qf', '%{NAME}', METADATA], { encoding: 'utf8' });
      expect(owner).toBe(rpm?.name);
    }
  });
});
