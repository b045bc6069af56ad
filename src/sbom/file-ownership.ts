/**
 * Ownership by file: an OS package owns a package of another ecosystem when a file that package
 * was found by (its metadata file, its archive, its executable) is in the OS package's file list.
 * Debian's `python3-requests` owns `requests` (its `PKG-INFO`), `libguava-java` owns guava (its
 * jar), `skopeo` owns the Go modules built into `/usr/bin/skopeo`. Both packages stay in the SBOM,
 * related by `owns`: the OS package is what a distro's advisories name, the language package what
 * an ecosystem's advisories name.
 *
 * Paths are compared as the file list spells them and as the package was found, without following
 * links: a file listed under `/bin/` but found under `/usr/bin/` through a merged-`/usr` link is
 * not matched. Debian, rpm and apk list language packages (site-packages, `/usr/share/java`,
 * gem specifications, `/usr/bin`) at their real paths.
 * @module
 */
import type { Package, PackageType, Relationship } from './model.js';

/**
 * Package types of OS package managers. They are never owned: an OS database's path in another
 * OS package's file list (the `rpm` package lists `/var/lib/rpm`) does not make that package the
 * owner of everything in the database.
 */
export const OS_PACKAGE_TYPES: ReadonlySet<PackageType> = new Set<PackageType>(['deb', 'rpm', 'apk']);

/**
 * The `owns` relationships between the packages that declared file lists (`ownedFiles`, by
 * package id) and the other packages found at one of the listed paths. Each file list is iterated
 * at most once, and not at all when no package could be owned; memory beyond the output is one
 * map entry per location of a package that could be owned.
 */
export function ownershipRelationships(packages: readonly Package[], ownedFiles: ReadonlyMap<string, Iterable<string>>): Relationship[] {
  const byPath = new Map<string, string[]>();
  for (const pkg of packages) {
    if (OS_PACKAGE_TYPES.has(pkg.type)) continue;
    for (const { path } of pkg.locations) {
      const ids = byPath.get(path);
      if (ids === undefined) byPath.set(path, [pkg.id]);
      else if (!ids.includes(pkg.id)) ids.push(pkg.id);
    }
  }
  const relationships = new Map<string, Relationship>();
  if (byPath.size === 0) return [];
  for (const [owner, files] of ownedFiles) {
    for (const file of files) {
      for (const owned of byPath.get(file) ?? []) {
        if (owned !== owner) relationships.set(`${owner}\u0000${owned}`, { from: owner, to: owned, type: 'owns' });
      }
    }
  }
  return [...relationships.values()];
}
