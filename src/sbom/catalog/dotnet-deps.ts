/**
 * .NET applications: the `<app>.deps.json` that `dotnet publish` writes beside the app. Its
 * `targets[<runtime target>]` holds one entry per library (`Name/Version`) with its
 * `dependencies`; `libraries` says what each one is (`package` from NuGet, `project` built from
 * the same solution, `runtimepack` the runtime of a self-contained app, `reference` and
 * `referenceassembly` assemblies of the framework) with its `sha512` and `path`.
 *
 * Packages and runtime packs are reported as NuGet packages; the application (the project the
 * file is named after) is the root; other projects and framework assemblies are not packages, and
 * the dependencies that go through them are linked to the packages behind them, as syft does.
 * @module
 */
import { buildPurl } from '../purl.js';
import type { CatalogContext, CatalogFile, CatalogResult, Cataloger, PackageDraft, RelationshipDraft } from './cataloger.js';
import { stringField } from './node-modules.js';
import { isRecord } from '../../util/is-record.js';

/** The deps.json cataloger (`dotnet-deps`). */
export const dotnetDepsCataloger: Cataloger = {
  name: 'dotnet-deps',
  sources: ['image', 'directory'],
  patterns: ['**/*.deps.json'],
  maxFileSize: 32 * 1024 * 1024,
  parse: parseDepsFiles,
};

/** The SDK names a self-contained app's runtime `runtimepack.<NuGet id>`. */
const RUNTIME_PACK_PREFIX = 'runtimepack.';

interface Library {
  key: string;
  name: string;
  version: string;
  type: string | undefined;
  /** `Name/Version` keys of its dependencies. */
  dependencies: string[];
  draft?: PackageDraft;
}

function parseDepsFiles(files: readonly CatalogFile[], context: CatalogContext): CatalogResult {
  const packages: PackageDraft[] = [];
  const relationships: RelationshipDraft[] = [];
  for (const file of files) {
    try {
      const result = readDepsFile(file, context);
      if (result === undefined) continue;
      packages.push(...result.packages);
      relationships.push(...result.relationships);
    } catch (error) {
      context.warn({ code: 'METADATA_UNPARSABLE', message: `unreadable deps.json: ${(error as Error).message}`, path: file.path });
    }
  }
  return { packages, relationships };
}

function readDepsFile(file: CatalogFile, context: CatalogContext): CatalogResult | undefined {
  const warn = (message: string) => context.warn({ code: 'METADATA_UNPARSABLE', message, path: file.path });
  let document: unknown;
  try {
    document = JSON.parse(file.content.toString('utf8'));
  } catch (error) {
    warn(`invalid deps.json: ${(error as Error).message}`);
    return undefined;
  }
  if (!isRecord(document) || !isRecord(document.targets)) {
    warn('not a .NET deps.json: no "targets" object');
    return undefined;
  }
  const descriptions = isRecord(document.libraries) ? document.libraries : {};
  const runtimeTarget = isRecord(document.runtimeTarget) ? stringField(document.runtimeTarget, 'name') : undefined;
  // the runtime target is the one the host loads; without it every target counts
  const targets = runtimeTarget !== undefined && isRecord(document.targets[runtimeTarget]) ? [document.targets[runtimeTarget]] : Object.values(document.targets).filter(isRecord);
  const libraries = new Map<string, Library>();
  let malformed = 0;
  const add = (key: string, entry: unknown) => {
    const slash = key.lastIndexOf('/');
    if (slash <= 0 || slash === key.length - 1) {
      malformed++;
      return;
    }
    let library = libraries.get(key);
    if (library === undefined) {
      const description = descriptions[key];
      library = { key, name: key.slice(0, slash), version: key.slice(slash + 1), type: isRecord(description) ? stringField(description, 'type') : undefined, dependencies: [] };
      libraries.set(key, library);
    }
    if (isRecord(entry) && isRecord(entry.dependencies)) {
      for (const [name, version] of Object.entries(entry.dependencies)) {
        if (typeof version === 'string' && !library.dependencies.includes(`${name}/${version}`)) library.dependencies.push(`${name}/${version}`);
      }
    }
  };
  for (const target of targets) for (const [key, entry] of Object.entries(target)) add(key, entry);
  // a library described but missing from the targets is still part of the application
  for (const key of Object.keys(descriptions)) if (!libraries.has(key)) add(key, undefined);
  if (malformed > 0) warn(`${malformed} deps.json entries not named "<name>/<version>" were skipped`);

  const root = findRoot(file.path, libraries);
  for (const library of libraries.values()) {
    if (library === root || library.type === 'package' || library.type === 'runtimepack') library.draft = toDraft(library, file.path, descriptions[library.key], library === root);
  }
  const relationships: RelationshipDraft[] = [];
  for (const library of libraries.values()) {
    if (library.draft === undefined) continue;
    for (const target of reachablePackages(library, libraries)) {
      relationships.push({ from: library.draft.ref, to: (target.draft as PackageDraft).ref, type: 'depends-on' });
    }
  }
  const packages = [...libraries.values()].flatMap((library) => (library.draft === undefined ? [] : [library.draft]));
  return { packages, relationships };
}

/**
 * The application: the project named like the file (`Web.deps.json` -> `Web`); otherwise the
 * only project no other library depends on (a tool renamed after publishing).
 */
function findRoot(path: string, libraries: ReadonlyMap<string, Library>): Library | undefined {
  const projects = [...libraries.values()].filter((library) => library.type === 'project');
  const fileName = path.slice(path.lastIndexOf('/') + 1).replace(/\.deps\.json$/i, '');
  const named = projects.find((project) => project.name === fileName);
  if (named !== undefined) return named;
  const dependedOn = new Set([...libraries.values()].flatMap((library) => library.dependencies));
  const tops = projects.filter((project) => !dependedOn.has(project.key));
  return tops.length === 1 ? tops[0] : undefined;
}

function toDraft(library: Library, path: string, description: unknown, isRoot: boolean): PackageDraft {
  const name = library.type === 'runtimepack' && library.name.startsWith(RUNTIME_PACK_PREFIX) ? library.name.slice(RUNTIME_PACK_PREFIX.length) : library.name;
  const metadata: Record<string, string> = {};
  if (library.type !== undefined) metadata.libraryType = library.type;
  if (isRoot) metadata.root = 'true';
  if (isRecord(description)) {
    for (const [field, key] of [
      ['sha512', 'sha512'],
      ['path', 'path'],
      ['hashPath', 'hashPath'],
    ] as const) {
      const value = stringField(description, field);
      if (value !== undefined) metadata[key] = value;
    }
  }
  return {
    ref: `${path}#${library.key}`,
    name,
    version: library.version,
    type: 'dotnet',
    // the application is not a NuGet package, but a purl needs a type; syft uses nuget as well
    purl: buildPurl({ type: 'nuget', name, version: library.version }),
    licenses: [],
    metadata,
    locations: [{ path }],
  };
}

/**
 * The reported packages `library` depends on: its direct dependencies that are reported, and,
 * through a dependency that is not (a project reference, a framework assembly), the reported
 * packages behind it. Each visited once, so cycles end.
 */
function reachablePackages(library: Library, libraries: ReadonlyMap<string, Library>): Library[] {
  const found: Library[] = [];
  const seen = new Set<string>([library.key]);
  const queue = [...library.dependencies];
  while (queue.length > 0) {
    const key = queue.shift() as string;
    if (seen.has(key)) continue;
    seen.add(key);
    const dependency = libraries.get(key);
    if (dependency === undefined) continue;
    if (dependency.draft !== undefined) found.push(dependency);
    else queue.push(...dependency.dependencies);
  }
  return found;
}
