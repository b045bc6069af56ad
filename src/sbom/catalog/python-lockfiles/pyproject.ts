/**
 * The project beside a lockfile, from its `pyproject.toml` (or `Pipfile`): its name and version
 * and its direct dependencies, each as a main, optional (an extra) or development (a dependency
 * group) requirement. Read through the resolver, so the manifest must be captured (`related`).
 * @module
 */
import { parseToml } from '../parsers.js';
import { normalizePythonName, pypiPurl } from '../../purl.js';
import type { CatalogContext, PackageDraft, ProjectDraft, RelationshipDraft } from '../cataloger.js';
import { folderOf, text, type LockPackages } from './lock-package.js';
import { parseRequirement } from './requirement.js';
import { isRecord } from '../../../util/is-record.js';

/** How a project depends on a package directly. */
export type DependencyKind = 'main' | 'optional' | 'dev';

/** One direct dependency of a project. */
export interface DirectDependency {
  /** Normalized name. */
  key: string;
  extras: string[];
  kind: DependencyKind;
  /** The extra or group that lists it (not for main dependencies). */
  group?: string;
}

/** What a manifest says about its project. */
export interface ProjectManifest {
  path: string;
  name?: string;
  version?: string;
  dependencies: DirectDependency[];
  /** Normalized names of the project's extras (`[project.optional-dependencies]`). */
  optionalGroups: Set<string>;
  /** Names of its development groups. */
  devGroups: Set<string>;
}

/** Manifest globs the lockfile catalogers read beside their lockfiles. */
export const MANIFEST_PATTERNS = ['**/pyproject.toml'];

/** Reads `<folder>/<name>` as TOML; undefined when absent, a warning when unreadable. */
export function readManifestToml(lockfilePath: string, name: string, context: CatalogContext): { path: string; document: Record<string, unknown> } | undefined {
  const path = `${folderOf(lockfilePath)}${name}`;
  const content = context.resolver.read(path);
  if (content === undefined) return undefined;
  try {
    return { path, document: parseToml(content.toString('utf8')) as Record<string, unknown> };
  } catch (error) {
    context.warn({ code: 'METADATA_UNPARSABLE', message: `invalid ${name}: ${((error as Error).message.split('\n')[0] ?? '')}`, path });
    return undefined;
  }
}

/** The `pyproject.toml` beside a lockfile: PEP 621, PEP 735 and the Poetry, PDM and uv tables. */
export function readPyproject(lockfilePath: string, context: CatalogContext): ProjectManifest | undefined {
  const found = readManifestToml(lockfilePath, 'pyproject.toml', context);
  if (found === undefined) return undefined;
  const { document } = found;
  const project = isRecord(document.project) ? document.project : {};
  const tool = isRecord(document.tool) ? document.tool : {};
  const poetry = isRecord(tool.poetry) ? tool.poetry : {};
  const pdm = isRecord(tool.pdm) ? tool.pdm : {};
  const uv = isRecord(tool.uv) ? tool.uv : {};
  const manifest: ProjectManifest = { path: found.path, dependencies: [], optionalGroups: new Set(), devGroups: new Set() };
  const name = text(project, 'name') ?? text(poetry, 'name');
  if (name !== undefined) manifest.name = name;
  const version = text(project, 'version') ?? text(poetry, 'version');
  if (version !== undefined) manifest.version = version;

  const add = (spec: string, kind: DependencyKind, group?: string) => {
    const requirement = parseRequirement(spec);
    if (requirement === undefined) return;
    manifest.dependencies.push({ key: requirement.key, extras: requirement.extras, kind, ...(group !== undefined ? { group } : {}) });
  };
  for (const spec of strings(project.dependencies)) add(spec, 'main');
  if (isRecord(project['optional-dependencies'])) {
    for (const [extra, specs] of Object.entries(project['optional-dependencies'])) {
      manifest.optionalGroups.add(normalizePythonName(extra));
      for (const spec of strings(specs)) add(spec, 'optional', normalizePythonName(extra));
    }
  }
  const devGroup = (group: string, specs: unknown) => {
    manifest.devGroups.add(group);
    for (const spec of strings(specs)) add(spec, 'dev', group);
  };
  // PEP 735 groups; an `{ include-group = … }` entry adds nothing of its own
  if (isRecord(document['dependency-groups'])) for (const [group, specs] of Object.entries(document['dependency-groups'])) devGroup(group, specs);
  if (isRecord(pdm['dev-dependencies'])) for (const [group, specs] of Object.entries(pdm['dev-dependencies'])) devGroup(group, specs);
  if (Array.isArray(uv['dev-dependencies'])) devGroup('dev', uv['dev-dependencies']);

  // Poetry: a table of name -> constraint; `optional = true` entries are extras' members
  const poetryTable = (table: unknown, kind: DependencyKind, group?: string) => {
    if (!isRecord(table)) return;
    for (const [dependency, constraint] of Object.entries(table)) {
      if (dependency.toLowerCase() === 'python') continue;
      const optional = kind === 'main' && isRecord(constraint) && constraint.optional === true;
      const extras = isRecord(constraint) ? strings(constraint.extras).map(normalizePythonName) : [];
      manifest.dependencies.push({ key: normalizePythonName(dependency), extras, kind: optional ? 'optional' : kind, ...(group !== undefined ? { group } : {}) });
    }
  };
  poetryTable(poetry.dependencies, 'main');
  if (isRecord(poetry.extras)) for (const extra of Object.keys(poetry.extras)) manifest.optionalGroups.add(normalizePythonName(extra));
  if (isRecord(poetry['dev-dependencies'])) {
    manifest.devGroups.add('dev');
    poetryTable(poetry['dev-dependencies'], 'dev', 'dev');
  }
  if (isRecord(poetry.group)) {
    for (const [group, body] of Object.entries(poetry.group)) {
      if (!isRecord(body)) continue;
      manifest.devGroups.add(group);
      poetryTable(body.dependencies, group === 'main' ? 'main' : 'dev', group);
    }
  }
  return manifest;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** The project draft of a lockfile: `name` (and `version`) as recorded; a purl when both are known. */
export function projectDraft(lockfilePath: string, name: string, version: string | undefined, extraLocations: string[] = []): ProjectDraft {
  const draft: ProjectDraft = {
    ref: `${lockfilePath}#project:${normalizePythonName(name)}`,
    name,
    locations: [{ path: lockfilePath }, ...extraLocations.filter((path) => path !== lockfilePath).map((path) => ({ path }))],
  };
  if (version !== undefined) {
    draft.version = version;
    draft.purl = pypiPurl(name, version);
  }
  return draft;
}

const EDGE_TYPES = { main: 'depends-on', optional: 'optional-depends-on', dev: 'dev-depends-on' } as const;

/**
 * Relationships from a project to the locked packages its direct dependencies name (every
 * locked version of a name: the lock may hold one per platform). One edge per package, the
 * strongest kind: main over optional over dev.
 */
export function projectEdges(projectRef: string, dependencies: readonly DirectDependency[], packages: LockPackages): RelationshipDraft[] {
  const strength = { main: 3, optional: 2, dev: 1 } as const;
  const best = new Map<PackageDraft, DependencyKind>();
  for (const dependency of dependencies) {
    for (const target of packages.find(dependency.key)) {
      const known = best.get(target);
      if (known === undefined || strength[dependency.kind] > strength[known]) best.set(target, dependency.kind);
    }
  }
  return [...best].map(([target, kind]) => ({ from: projectRef, to: target.ref, type: EDGE_TYPES[kind] }));
}
