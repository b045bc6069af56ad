/**
 * What every Python lockfile cataloger shares: one package draft per normalized name and
 * version in a file, TOML read with a warning instead of a throw, and the metadata keys the
 * lockfiles have in common (`sha256`, `markers`, `platform`, `optional`, `source*`).
 * @module
 */
import { parseToml } from '../parsers.js';
import { normalizePythonName, pypiPurl } from '../../purl.js';
import type { CatalogContext, CatalogFile, PackageDraft } from '../cataloger.js';
import { isPlatformMarker } from './requirement.js';

/** Largest Python lockfile read; real ones stay well under a few megabytes. */
export const PYTHON_LOCKFILE_MAX_BYTES = 64 * 1024 * 1024;

/** Folders whose files describe installed or vendored code, not a project's own lock. */
export const PYTHON_LOCKFILE_EXCLUDES = ['**/node_modules/**', '**/site-packages/**', '**/dist-packages/**'];

/** A non-empty trimmed string field, else undefined. */
export function text(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** Parses a TOML file; on a syntax error warns and returns undefined. */
export function readToml(file: CatalogFile, context: CatalogContext, kind: string): Record<string, unknown> | undefined {
  try {
    return parseToml(file.content.toString('utf8')) as Record<string, unknown>;
  } catch (error) {
    context.warn({ code: 'METADATA_UNPARSABLE', message: `invalid ${kind}: ${firstLine((error as Error).message)}`, path: file.path });
    return undefined;
  }
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

/** The packages of one lockfile, one per normalized name and version, in file order. */
export class LockPackages {
  private readonly byKey = new Map<string, PackageDraft>();
  private readonly byName = new Map<string, PackageDraft[]>();

  constructor(private readonly lockfilePath: string) {}

  /** The draft of `name@version`, made on first use; later calls add metadata that is missing. */
  add(name: string, version: string, metadata: Record<string, string | undefined> = {}): PackageDraft {
    const key = normalizePythonName(name);
    const id = `${key}@${version}`;
    let draft = this.byKey.get(id);
    if (draft === undefined) {
      draft = {
        ref: `${this.lockfilePath}#${id}`,
        name,
        version,
        type: 'python',
        purl: pypiPurl(name, version),
        licenses: [],
        metadata: {},
        locations: [{ path: this.lockfilePath }],
      };
      this.byKey.set(id, draft);
      const list = this.byName.get(key) ?? [];
      list.push(draft);
      this.byName.set(key, list);
    }
    for (const [field, value] of Object.entries(metadata)) {
      if (value !== undefined && value !== '' && draft.metadata[field] === undefined) draft.metadata[field] = value;
    }
    return draft;
  }

  /** Every locked version of a name (normalized or not), or the one given version. */
  find(name: string, version?: string): PackageDraft[] {
    const all = this.byName.get(normalizePythonName(name)) ?? [];
    return version === undefined ? all : all.filter((draft) => draft.version === version);
  }

  all(): PackageDraft[] {
    return [...this.byKey.values()];
  }
}

/** Metadata of an environment marker: `markers`, and `platform` when it names a platform. */
export function markerMetadata(marker: string | undefined): Record<string, string | undefined> {
  if (marker === undefined || marker.trim() === '') return {};
  return { markers: marker.trim(), platform: isPlatformMarker(marker) ? marker.trim() : undefined };
}

/** The first `sha256:` digest of a list of hashes (`sha256:…` strings), hex only. */
export function firstSha256(hashes: Iterable<unknown>): string | undefined {
  for (const hash of hashes) {
    if (typeof hash !== 'string') continue;
    const match = /^sha256[:=]([0-9a-fA-F]{64})$/.exec(hash.trim());
    if (match) return (match[1] as string).toLowerCase();
  }
  return undefined;
}

/** The folder of a lockfile path, with a trailing slash (`/` at the root). */
export function folderOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? '/' : `${path.slice(0, slash)}/`;
}
