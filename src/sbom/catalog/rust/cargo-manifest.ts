/**
 * What a package manifest (`Cargo.toml`) says about its direct dependencies, which Cargo.lock
 * does not record: whether each is needed to build the package (`[dependencies]`,
 * `[build-dependencies]`) or only to test and develop it (`[dev-dependencies]`), in every
 * `[target.'cfg(…)'.…]` variant too. Dependencies are named as Cargo.lock names them: by the
 * package they resolve to, so a renamed one (`alias = { package = "real" }`) counts as `real`.
 * @module
 */
import { parseToml } from '../parsers.js';

/** The dependency names of one manifest's package. */
export interface CargoManifest {
  name: string;
  version?: string;
  /** Names needed to build the package (normal and build dependencies). */
  build: Set<string>;
  /** Names in its dev-dependencies. */
  dev: Set<string>;
}

/** The parts of the workspace root's manifest that members inherit (`workspace = true`). */
export interface WorkspaceDefaults {
  version?: string;
  /** `[workspace.dependencies]` key -> the package it names. */
  packages: Map<string, string>;
}

// the underscore spellings are older forms Cargo still accepts
const BUILD_TABLES = ['dependencies', 'build-dependencies', 'build_dependencies'];
const DEV_TABLES = ['dev-dependencies', 'dev_dependencies'];

/** Parses a manifest; undefined for invalid TOML. A virtual workspace root has no `name`. */
export function parseCargoToml(text: string): Record<string, unknown> | undefined {
  try {
    return parseToml(text);
  } catch {
    return undefined;
  }
}

/** What a workspace root offers its members, from its parsed manifest. */
export function workspaceDefaults(manifest: Record<string, unknown>): WorkspaceDefaults {
  const workspace = record(manifest.workspace);
  const packageTable = record(workspace.package);
  const packages = new Map<string, string>();
  for (const [key, value] of Object.entries(record(workspace.dependencies))) packages.set(key, packageName(key, value));
  return { version: typeof packageTable.version === 'string' ? packageTable.version : undefined, packages };
}

/** The package a parsed manifest describes, or undefined for a virtual workspace root. */
export function manifestDependencies(manifest: Record<string, unknown>, workspace: WorkspaceDefaults | undefined): CargoManifest | undefined {
  const pkg = record(manifest.package);
  if (typeof pkg.name !== 'string') return undefined;
  const version = typeof pkg.version === 'string' ? pkg.version : record(pkg.version).workspace === true ? workspace?.version : undefined;
  const result: CargoManifest = { name: pkg.name, build: new Set(), dev: new Set() };
  if (version !== undefined) result.version = version;
  const scopes = [manifest, ...Object.values(record(manifest.target)).map(record)];
  for (const scope of scopes) {
    for (const table of BUILD_TABLES) addNames(result.build, record(scope[table]), workspace);
    for (const table of DEV_TABLES) addNames(result.dev, record(scope[table]), workspace);
  }
  return result;
}

function addNames(into: Set<string>, table: Record<string, unknown>, workspace: WorkspaceDefaults | undefined): void {
  for (const [key, value] of Object.entries(table)) {
    const inherited = record(value).workspace === true && record(value).package === undefined ? workspace?.packages.get(key) : undefined;
    into.add(inherited ?? packageName(key, value));
  }
}

function packageName(key: string, value: unknown): string {
  const renamed = record(value).package;
  return typeof renamed === 'string' && renamed !== '' ? renamed : key;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
