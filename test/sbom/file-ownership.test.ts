import { describe, expect, it } from 'vitest';
import { OS_PACKAGE_TYPES, ownershipRelationships } from '../../src/sbom/file-ownership.js';
import type { Package } from '../../src/sbom/model.js';

function pkg(id: string, type: Package['type'], ...paths: string[]): Package {
  return { id, name: id, version: '1', type, purl: `pkg:generic/${id}`, licenses: [], locations: paths.map((path) => ({ path })), foundBy: 'test', metadata: {} };
}

/** A file list that counts how often it is read. */
function counted(paths: string[]): Iterable<string> & { reads: number } {
  const list = {
    reads: 0,
    *[Symbol.iterator]() {
      list.reads++;
      yield* paths;
    },
  };
  return list;
}

describe('ownershipRelationships', () => {
  it('relates an OS package to every other package found at one of its files, once per pair', () => {
    const packages = [
      pkg('deb', 'deb', '/var/lib/dpkg/status'),
      pkg('six', 'python', '/usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO'),
      pkg('app', 'go', '/usr/bin/app'),
      pkg('stdlib', 'go', '/usr/bin/app', '/usr/local/bin/other'),
      pkg('pip-installed', 'python', '/usr/local/lib/python3.11/dist-packages/x-1.dist-info/METADATA'),
    ];
    const files = new Map([['deb', ['/.', '/usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO', '/usr/bin/app', '/usr/bin/app']]]);
    expect(ownershipRelationships(packages, files)).toEqual([
      { from: 'deb', to: 'six', type: 'owns' },
      { from: 'deb', to: 'app', type: 'owns' },
      { from: 'deb', to: 'stdlib', type: 'owns' },
    ]);
  });

  it('never makes an OS package owned, even when another lists its database, nor a package its own owner', () => {
    expect([...OS_PACKAGE_TYPES].sort()).toEqual(['apk', 'deb', 'rpm']);
    const packages = [pkg('rpm-tool', 'deb', '/var/lib/dpkg/status'), pkg('fedora-bash', 'rpm', '/var/lib/rpm/rpmdb.sqlite'), pkg('odd', 'npm', '/x/package.json')];
    const files = new Map([
      ['rpm-tool', ['/var/lib/rpm/rpmdb.sqlite', '/var/lib/dpkg/status']],
      ['odd', ['/x/package.json']],
    ]);
    expect(ownershipRelationships(packages, files)).toEqual([]);
  });

  it('reads each file list once, and none when no package could be owned', () => {
    const list = counted(['/usr/bin/app']);
    ownershipRelationships([pkg('deb', 'deb', '/var/lib/dpkg/status'), pkg('app', 'go', '/usr/bin/app')], new Map([['deb', list]]));
    expect(list.reads).toBe(1);
    const unread = counted(['/usr/bin/app']);
    expect(ownershipRelationships([pkg('deb', 'deb', '/var/lib/dpkg/status')], new Map([['deb', unread]]))).toEqual([]);
    expect(unread.reads).toBe(0);
  });
});
