/**
 * NuGet lock files (`packages.lock.json`, or `packages.<project>.lock.json` when several projects
 * share a folder), versions 1 and 2 (2 adds `CentralTransitive` entries for centrally pinned
 * transitive packages). `dependencies` holds one section per target framework, and one per
 * framework and runtime identifier (`net8.0/linux-x64`) for what a runtime adds; each entry is
 * `Direct`, `Transitive`, `CentralTransitive` or `Project` (another project of the solution), with
 * its `resolved` version, `contentHash` and `dependencies` by id.
 *
 * A package is one id at one resolved version, however many sections lock it; one found only in
 * runtime sections is platform-specific (`platform` lists the runtime identifiers). `Project`
 * entries are not packages: the graph goes through them to the packages they depend on. The
 * project the file belongs to is named after the one project file beside it (`*.csproj`,
 * `*.fsproj`, `*.vbproj`), else after its folder, and depends on the `Direct` entries.
 * @module
 */
import { posix } from 'node:path';
import { buildPurl } from '../../purl.js';
import type { CatalogContext, CatalogFile, CatalogResult, Cataloger, PackageDraft, ProjectDraft, RelationshipDraft } from '../cataloger.js';
import { stringField } from '../node-modules.js';
import { isRecord } from '../../../util/is-record.js';

/** Project files whose name names the project a lock file belongs to. */
const PROJECT_FILES = ['**/*.csproj', '**/*.fsproj', '**/*.vbproj'];

/** The NuGet lock file cataloger (`dotnet-packages-lock`). */
export const dotnetPackagesLockCataloger: Cataloger = {
  name: 'dotnet-packages-lock',
  sources: ['directory', 'lockfile'],
  patterns: ['**/packages.lock.json', '**/packages.*.lock.json'],
  related: PROJECT_FILES,
  exclude: ['**/obj/**', '**/bin/**'],
  maxFileSize: 64 * 1024 * 1024,
  parse: parseLockFiles,
};

const SUPPORTED_VERSIONS = new Set([1, 2]);

interface Entry {
  id: string;
  type: string | undefined;
  resolved: string | undefined;
  contentHash: string | undefined;
  dependencies: string[];
}

/** One section: a target framework, with a runtime identifier or not. */
interface Section {
  framework: string;
  runtime: string | undefined;
  /** Entries by lower-cased id: NuGet ids are case-insensitive. */
  entries: Map<string, Entry>;
}

interface Found {
  draft: PackageDraft;
  frameworks: Set<string>;
  runtimes: Set<string>;
  /** Locked in a section without a runtime identifier. */
  everywhere: boolean;
  types: Set<string>;
}

function parseLockFiles(files: readonly CatalogFile[], context: CatalogContext): CatalogResult {
  const result: Required<CatalogResult> = { packages: [], relationships: [], projects: [] };
  if (files.length === 0) return result;
  const projectFiles = new Map<string, string[]>();
  for (const pattern of PROJECT_FILES) {
    for (const file of context.resolver.glob(pattern)) {
      const dir = posix.dirname(file.path);
      projectFiles.set(dir, [...(projectFiles.get(dir) ?? []), file.path]);
    }
  }
  for (const file of files) {
    try {
      readLockFile(file, context, projectFiles, result);
    } catch (error) {
      context.warn({ code: 'METADATA_UNPARSABLE', message: `unreadable NuGet lock file: ${(error as Error).message}`, path: file.path });
    }
  }
  return result;
}

function readLockFile(file: CatalogFile, context: CatalogContext, projectFiles: ReadonlyMap<string, string[]>, result: Required<CatalogResult>): void {
  const warn = (message: string) => context.warn({ code: 'METADATA_UNPARSABLE', message, path: file.path });
  const skip = (message: string) => context.warn({ code: 'PACKAGE_SKIPPED', message, path: file.path });
  let document: unknown;
  try {
    document = JSON.parse(file.content.toString('utf8'));
  } catch (error) {
    warn(`invalid NuGet lock file: ${(error as Error).message}`);
    return;
  }
  if (!isRecord(document) || !isRecord(document.dependencies)) {
    warn('not a NuGet lock file: no "dependencies" object');
    return;
  }
  if (typeof document.version !== 'number' || !SUPPORTED_VERSIONS.has(document.version)) {
    warn(`unsupported NuGet lock file version ${JSON.stringify(document.version ?? null)}`);
    return;
  }
  let malformed = 0;
  const sections: Section[] = [];
  for (const key of Object.keys(document.dependencies).sort()) {
    const body = document.dependencies[key];
    if (!isRecord(body)) {
      malformed++;
      continue;
    }
    const slash = key.indexOf('/');
    const section: Section = { framework: slash < 0 ? key : key.slice(0, slash), runtime: slash < 0 ? undefined : key.slice(slash + 1), entries: new Map() };
    for (const [id, value] of Object.entries(body)) {
      if (!isRecord(value)) {
        malformed++;
        continue;
      }
      const dependencies = isRecord(value.dependencies) ? Object.keys(value.dependencies) : [];
      section.entries.set(id.toLowerCase(), { id, type: stringField(value, 'type'), resolved: stringField(value, 'resolved'), contentHash: stringField(value, 'contentHash'), dependencies });
    }
    sections.push(section);
  }

  const found = new Map<string, Found>();
  const packageOf = (entry: Entry): Found | undefined => (entry.resolved === undefined ? undefined : found.get(packageKey(entry.id, entry.resolved)));
  for (const section of sections) {
    for (const entry of section.entries.values()) {
      if (entry.type === 'Project') continue;
      if (entry.resolved === undefined || entry.resolved === '') {
        malformed++;
        continue;
      }
      const key = packageKey(entry.id, entry.resolved);
      let pkg = found.get(key);
      if (pkg === undefined) {
        pkg = { draft: toDraft(file.path, entry, entry.resolved), frameworks: new Set(), runtimes: new Set(), everywhere: false, types: new Set() };
        found.set(key, pkg);
      }
      pkg.frameworks.add(section.framework);
      if (section.runtime === undefined) pkg.everywhere = true;
      else pkg.runtimes.add(section.runtime);
      if (entry.type !== undefined) pkg.types.add(entry.type);
      if (pkg.draft.metadata.contentHash === undefined && entry.contentHash !== undefined) pkg.draft.metadata.contentHash = entry.contentHash;
    }
  }
  if (malformed > 0) skip(`${malformed} NuGet lock file entries without a resolved version or not objects were skipped`);

  const project = toProject(file.path, projectFiles);
  result.projects.push(project);
  const relationships = new Map<string, RelationshipDraft>();
  const relate = (from: string, to: Found) => relationships.set(`${from}\u0000${to.draft.ref}`, { from, to: to.draft.ref, type: 'depends-on' });
  for (const section of sections) {
    const base = section.runtime === undefined ? undefined : sections.find((s) => s.framework === section.framework && s.runtime === undefined);
    const lookup = (id: string) => section.entries.get(id.toLowerCase()) ?? base?.entries.get(id.toLowerCase());
    for (const entry of section.entries.values()) {
      if (entry.type === 'Project') {
        // a project reference's packages are the project's too: the build restores them with it
        for (const target of reachable(entry, lookup, packageOf)) relate(project.ref, target);
        continue;
      }
      const self = packageOf(entry);
      if (self === undefined) continue;
      if (entry.type === 'Direct') relate(project.ref, self);
      for (const target of reachable(entry, lookup, packageOf)) relate(self.draft.ref, target);
    }
  }

  for (const pkg of found.values()) {
    pkg.draft.metadata.frameworks = [...pkg.frameworks].sort().join(',');
    pkg.draft.metadata.dependencyTypes = [...pkg.types].sort().join(',');
    if (!pkg.everywhere && pkg.runtimes.size > 0) pkg.draft.metadata.platform = [...pkg.runtimes].sort().join(',');
    result.packages.push(pkg.draft);
  }
  result.relationships.push(...[...relationships.values()].filter((r) => r.from !== r.to));
}

/**
 * The packages `entry` depends on in its section: its dependencies that are packages, and through
 * a dependency that is a project reference, the packages behind it. Each visited once, so
 * cycles end. A dependency the file does not lock (a framework-provided package) is left out.
 */
function reachable(entry: Entry, lookup: (id: string) => Entry | undefined, packageOf: (entry: Entry) => Found | undefined): Found[] {
  const out: Found[] = [];
  const seen = new Set<string>([entry.id.toLowerCase()]);
  const queue = [...entry.dependencies];
  while (queue.length > 0) {
    const id = queue.shift() as string;
    if (seen.has(id.toLowerCase())) continue;
    seen.add(id.toLowerCase());
    const dependency = lookup(id);
    if (dependency === undefined) continue;
    if (dependency.type === 'Project') {
      queue.push(...dependency.dependencies);
      continue;
    }
    const pkg = packageOf(dependency);
    if (pkg !== undefined) out.push(pkg);
  }
  return out;
}

function packageKey(id: string, version: string): string {
  return `${id.toLowerCase()}@${version.toLowerCase()}`;
}

function toDraft(path: string, entry: Entry, version: string): PackageDraft {
  const purl = buildPurl({ type: 'nuget', name: entry.id, version });
  return { ref: `${path}#${purl}`, name: entry.id, version, type: 'dotnet', purl, licenses: [], metadata: {}, locations: [{ path }] };
}

/**
 * The project a lock file belongs to: `packages.<name>.lock.json` names it; otherwise the one
 * project file beside it does; otherwise its folder (or, at the root of a lockfile source, the
 * file's own name).
 */
function toProject(path: string, projectFiles: ReadonlyMap<string, string[]>): ProjectDraft {
  const dir = posix.dirname(path);
  const base = posix.basename(path);
  const named = /^packages\.(.+)\.lock\.json$/.exec(base)?.[1];
  const beside = projectFiles.get(dir) ?? [];
  const fromFile = beside.length === 1 ? posix.basename(beside[0] as string).replace(/\.[^.]+$/, '') : undefined;
  const name = named ?? fromFile ?? (posix.basename(dir) || base);
  return { ref: `${path}#project`, name, locations: [{ path }] };
}
