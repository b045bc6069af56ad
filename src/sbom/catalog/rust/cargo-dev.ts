/**
 * Which Cargo.lock packages are locked only for development. The lockfile lists the
 * dev-dependencies of the workspace's own packages among their dependencies, without saying so;
 * their `Cargo.toml` files do. A package is for development when no chain of dependencies from
 * a project reaches it without passing through a project's dev-dependency. This needs the
 * manifest of every project of the lockfile: when one is missing (a `lockfile:` source holds
 * only the root manifest, a path dependency may live outside the scanned tree), nothing is
 * marked, rather than marking what a missing manifest might need.
 * @module
 */
import { posix } from 'node:path';
import type { FileResolver } from '../cataloger.js';
import { manifestDependencies, parseCargoToml, workspaceDefaults, type CargoManifest, type WorkspaceDefaults } from './cargo-manifest.js';

/** A lockfile entry as the dev analysis sees it. */
export interface DevNode {
  name: string;
  version: string;
  /** True for the workspace's own packages (entries without a source). */
  project: boolean;
  /** The entries it depends on, resolved. */
  dependencies: DevNode[];
}

/** The result: packages only for development, and the project edges that are dev-dependencies. */
export interface DevMarks {
  devNodes: Set<DevNode>;
  /** `from` project -> the targets it reaches only as a dev-dependency. */
  devEdges: Map<DevNode, Set<DevNode>>;
}

/** Folders whose manifests belong to other crates: build output and vendored sources. */
const FOREIGN = /\/(target|vendor|node_modules)\//;

/**
 * Marks the dev-only packages of one lockfile, or returns undefined when some project's
 * manifest is not among the captured files beside and below the lockfile.
 */
export function markDevPackages(lockfilePath: string, nodes: readonly DevNode[], resolver: FileResolver): DevMarks | undefined {
  const projects = nodes.filter((node) => node.project);
  if (projects.length === 0) return undefined;
  const manifests = readManifests(lockfilePath, resolver);
  const byProject = new Map<DevNode, CargoManifest>();
  for (const project of projects) {
    const candidates = manifests.filter((m) => m.name === project.name);
    const exact = candidates.filter((m) => m.version === project.version);
    const manifest = exact.length === 1 ? exact[0] : candidates.length === 1 ? candidates[0] : undefined;
    if (manifest === undefined) return undefined;
    byProject.set(project, manifest);
  }

  const devEdges = new Map<DevNode, Set<DevNode>>();
  for (const [project, manifest] of byProject) {
    const dev = new Set(project.dependencies.filter((target) => manifest.dev.has(target.name) && !manifest.build.has(target.name)));
    if (dev.size > 0) devEdges.set(project, dev);
  }
  // everything a project needs to build, through any chain that avoids its dev-dependencies
  const needed = new Set<DevNode>(projects);
  const queue = [...projects];
  for (let node = queue.pop(); node !== undefined; node = queue.pop()) {
    const skip = devEdges.get(node);
    for (const target of node.dependencies) {
      if (skip?.has(target) === true || needed.has(target)) continue;
      needed.add(target);
      queue.push(target);
    }
  }
  // what only a dev-dependency leads to; an entry nothing leads to stays unmarked
  const devNodes = new Set<DevNode>();
  const devQueue = [...devEdges.values()].flatMap((targets) => [...targets]);
  for (let node = devQueue.pop(); node !== undefined; node = devQueue.pop()) {
    if (needed.has(node) || devNodes.has(node)) continue;
    devNodes.add(node);
    devQueue.push(...node.dependencies);
  }
  return { devNodes, devEdges };
}

function readManifests(lockfilePath: string, resolver: FileResolver): CargoManifest[] {
  const folder = posix.dirname(lockfilePath);
  const prefix = folder === '/' ? '/' : `${folder}/`;
  const files = resolver.glob('**/Cargo.toml').filter((file) => file.path.startsWith(prefix) && !FOREIGN.test(file.path.slice(prefix.length - 1)));
  const parsed = files.map((file) => ({ path: file.path, manifest: parseCargoToml(file.content.toString('utf8')) }));
  const root = parsed.find((file) => file.path === `${prefix}Cargo.toml`)?.manifest;
  const workspace: WorkspaceDefaults | undefined = root === undefined ? undefined : workspaceDefaults(root);
  return parsed.flatMap(({ manifest }) => {
    const dependencies = manifest === undefined ? undefined : manifestDependencies(manifest, workspace);
    return dependencies === undefined ? [] : [dependencies];
  });
}
