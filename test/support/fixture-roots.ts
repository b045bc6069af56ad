/**
 * Real-looking roots assembled from the catalog fixtures (fixtures/catalog/, each from real
 * software, see its README), as entry lists that {@link writeEntries} puts on disk for `dir:`
 * sources and the image builder packs into layers.
 */
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { TestEntry } from './image-builder.js';

export const CATALOG_FIXTURES = join(import.meta.dirname, '../../fixtures/catalog');

/** Every file and link under `dir` (relative to the fixtures), as entries under `prefix`. */
export function fixtureEntries(dir: string, prefix = ''): TestEntry[] {
  const entries: TestEntry[] = [];
  const walk = (from: string, to: string) => {
    for (const name of readdirSync(from).sort()) {
      const source = join(from, name);
      const path = to === '' ? name : `${to}/${name}`;
      const stat = lstatSync(source);
      if (stat.isSymbolicLink()) entries.push({ path, symlink: readlinkSync(source) });
      else if (stat.isDirectory()) walk(source, path);
      else entries.push({ path, content: readFileSync(source) });
    }
  };
  walk(join(CATALOG_FIXTURES, dir), prefix);
  return entries;
}

/** One fixture file at `path`. */
export function fixtureFile(fixture: string, path: string): TestEntry {
  return { path, content: readFileSync(join(CATALOG_FIXTURES, fixture)) };
}

/** Debian 12's os-release, linked from /etc as Debian does, and its debian_version. */
export function debianReleaseEntries(): TestEntry[] {
  return [
    fixtureFile('debian/usr/lib/os-release', 'usr/lib/os-release'),
    { path: 'etc/os-release', symlink: '../usr/lib/os-release' },
    fixtureFile('debian/etc/debian_version', 'etc/debian_version'),
  ];
}

/** The paths each language package below is found by, and the Debian package dpkg says owns it. */
export function dpkgOwners(): Map<string, string> {
  const lines = readFileSync(join(CATALOG_FIXTURES, 'ownership/dpkg-query-S.txt'), 'utf8').trim().split('\n');
  return new Map(lines.map((line) => line.split(': ').reverse() as [string, string]));
}

/**
 * A Debian bookworm root where dpkg installed Python (python3-six), Java (libjcip-annotations-java,
 * with two of its links), Ruby (ruby-blankslate) and Go (skopeo) software: the dpkg database and
 * file lists of fixtures/catalog/ownership/, and each package's file from its cataloger's fixtures,
 * at the path the package installs it. Two things no Debian package owns: a Python distribution
 * under /usr/local and a Spring Boot jar that nests the same jcip jar.
 */
export function ownershipEntries(): TestEntry[] {
  return [
    ...debianReleaseEntries(),
    ...fixtureEntries('ownership/root'),
    fixtureFile('debian/usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO', 'usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO'),
    fixtureFile('java/root/usr/share/java/jcip-annotations-1.0.jar', 'usr/share/java/jcip-annotations-1.0.jar'),
    { path: 'usr/share/java/jcip-annotations.jar', symlink: 'jcip-annotations-1.0.jar' },
    { path: 'usr/share/maven-repo/net/jcip/jcip-annotations/1.0/jcip-annotations-1.0.jar', symlink: '../../../../../java/jcip-annotations-1.0.jar' },
    fixtureFile(
      'ruby/bookworm/usr/share/rubygems-integration/all/specifications/blankslate-3.1.3.gemspec',
      'usr/share/rubygems-integration/all/specifications/blankslate-3.1.3.gemspec',
    ),
    fixtureFile('golang/binaries/go1.19-gopath-skopeo-amd64.elf', 'usr/bin/skopeo'),
    fixtureFile('debian/usr/lib/python3/dist-packages/chardet-5.1.0.dist-info/METADATA', 'usr/local/lib/python3.11/dist-packages/chardet-5.1.0.dist-info/METADATA'),
    fixtureFile('java/root/opt/demo/demo-boot.jar', 'opt/demo/demo-boot.jar'),
  ];
}

/** Writes `entries` under `root`: files, and links as links. */
export async function writeEntries(root: string, entries: readonly TestEntry[]): Promise<string> {
  for (const entry of entries) {
    const path = join(root, entry.path);
    await mkdir(dirname(path), { recursive: true });
    if ('content' in entry) await writeFile(path, entry.content);
    else if ('symlink' in entry) await symlink(entry.symlink, path);
    else throw new Error(`writeEntries writes files and links, not ${JSON.stringify(entry)}`);
  }
  return root;
}
