/**
 * A version for a main module that Go records as `(devel)` (every `go build` inside the
 * module's own source tree before Go 1.24): the version stamped with `-ldflags -X` when one
 * looks like a release, otherwise the pseudo-version Go itself would derive from the VCS
 * revision and commit time, otherwise none. syft resolves it in the same order.
 * @module
 */

/** A resolved main-module version and where it came from. */
export interface MainVersion {
  version: string;
  source: 'ldflags' | 'vcs';
}

/** `-X <package>.<name>=<value>` where the package is `main` or inside the main module and the name ends in ver, version or tag. */
const LDFLAGS_VERSION = /(?:^|[\s'"])-X[\s=]+['"]?(\S+?)\.[A-Za-z0-9_]*(?:[vV]er(?:sion)?|[tT]ag)=(?:\S+\/)*(v?\d+\.\d+\.\d+[-+.\w]*)/g;

/** Resolves `(devel)` from the build settings; undefined when they say nothing usable. */
export function resolveDevelVersion(mainModule: string, settings: ReadonlyMap<string, string>): MainVersion | undefined {
  const ldflags = settings.get('-ldflags');
  if (ldflags !== undefined) {
    for (const match of ldflags.matchAll(LDFLAGS_VERSION)) {
      const pkg = match[1] as string;
      if (pkg !== 'main' && pkg !== mainModule && !pkg.startsWith(`${mainModule}/`)) continue;
      const version = match[2] as string;
      return { version: version.startsWith('v') ? version : `v${version}`, source: 'ldflags' };
    }
  }
  const revision = settings.get('vcs.revision');
  const time = settings.get('vcs.time');
  if (revision !== undefined && revision !== '' && time !== undefined) {
    return { version: `v0.0.0-${pseudoTimestamp(time)}-${revision.slice(0, 12)}`, source: 'vcs' };
  }
  return undefined;
}

/** `2024-04-26T06:00:20Z` -> `20240426060020`, in UTC; Go's zero time when it does not parse. */
function pseudoTimestamp(rfc3339: string): string {
  const date = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/.test(rfc3339) ? new Date(rfc3339) : undefined;
  if (date === undefined || Number.isNaN(date.getTime())) return '00010101000000';
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}
