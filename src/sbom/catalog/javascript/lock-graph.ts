/**
 * The graph every JavaScript lockfile becomes: locked packages (one per name and version, however
 * many entries of the file resolve to it), the projects the file describes (root package,
 * workspace members), and the edges between them. Lockfiles that do not say which packages are
 * only for development or only optional (yarn, bun, pnpm 9) are answered the same way for all of
 * them, from what the projects reach.
 * @module
 */
import type { License, RelationshipType } from '../../model.js';
import { npmPurl } from '../../purl.js';
import type { CatalogResult, PackageDraft, ProjectDraft, RelationshipDraft } from '../cataloger.js';

/** What a lockfile records about one locked package. */
export interface LockedPackageInput {
  name: string;
  version: string;
  /** String facts kept as package metadata (`resolved`, `integrity`, `platform`…). */
  metadata?: Record<string, string>;
  licenses?: License[];
}

/** What is known of a project: from the lockfile and the `package.json` beside it. */
export interface ProjectInput {
  name: string;
  version?: string;
  /** A private package (`"private": true`) has no registry identity, so no purl. */
  private?: boolean;
  /** The lockfile, and the manifest when one was read; absolute paths. */
  paths: string[];
}

/** Edge strength when one pair is linked twice: a run-time need wins over an optional, then a dev one. */
const STRENGTH: Record<RelationshipType, number> = {
  'depends-on': 3,
  'optional-depends-on': 2,
  'dev-depends-on': 1,
  contains: 0,
  owns: 0,
};

/** Builds one lockfile's {@link CatalogResult}. */
export class LockGraph {
  private readonly packages = new Map<string, PackageDraft>();
  private readonly projects = new Map<string, ProjectDraft>();
  private readonly edges = new Map<string, Map<string, RelationshipType>>();

  constructor(private readonly lockfilePath: string) {}

  /**
   * Adds a locked package, or returns the one already added under the same name and version (a
   * patched entry, a tarball of a registry version): it is one package. Throws when no purl can
   * be made (an empty or malformed name); callers warn and skip.
   */
  addPackage(input: LockedPackageInput): string {
    const ref = `${this.lockfilePath}#${input.name}@${input.version}`;
    const known = this.packages.get(ref);
    if (known !== undefined) {
      for (const [key, value] of Object.entries(input.metadata ?? {})) known.metadata[key] ??= value;
      return ref;
    }
    this.packages.set(ref, {
      ref,
      name: input.name,
      version: input.version,
      type: 'npm',
      purl: npmPurl(input.name, input.version),
      licenses: input.licenses ?? [],
      metadata: { ...input.metadata },
      locations: [{ path: this.lockfilePath }],
    });
    return ref;
  }

  /** Adds a project under `key` (its folder relative to the lockfile, `''` for the root). */
  addProject(key: string, input: ProjectInput): string {
    const ref = `${this.lockfilePath}#project:${key}`;
    let purl: string | undefined;
    if (input.version !== undefined && input.private !== true) {
      try {
        purl = npmPurl(input.name, input.version);
      } catch {
        // a name npm would not publish (spaces, capitals in a scope): no registry identity
      }
    }
    const paths = [...new Set(input.paths)].sort();
    this.projects.set(ref, {
      ref,
      name: input.name,
      ...(input.version === undefined ? {} : { version: input.version }),
      ...(purl === undefined ? {} : { purl }),
      locations: paths.map((path) => ({ path })),
    });
    return ref;
  }

  /** True when `ref` is a project of this graph. */
  isProject(ref: string): boolean {
    return this.projects.has(ref);
  }

  /**
   * Links `from` (a package or project) to the package `to`. An edge to a project (a workspace
   * member depending on another) is not a relationship: projects are the subject, not packages.
   */
  addEdge(from: string, to: string, type: RelationshipType): void {
    if (from === to || !this.packages.has(to)) return;
    let targets = this.edges.get(from);
    if (targets === undefined) this.edges.set(from, (targets = new Map()));
    const previous = targets.get(to);
    if (previous === undefined || STRENGTH[type] > STRENGTH[previous]) targets.set(to, type);
  }

  /**
   * The result, with reachability marks: a package that the projects reach only through a
   * development dependency is `dev`; one they reach only through an optional dependency gets
   * `optional: 'true'`. Without projects nothing can be said, and nothing is marked.
   */
  finish(): CatalogResult {
    if (this.projects.size > 0) {
      const reached = this.reach(() => true);
      const forRuntime = this.reach((type, fromProject) => !(fromProject && type === 'dev-depends-on'));
      const required = this.reach((type) => type !== 'optional-depends-on');
      for (const [ref, draft] of this.packages) {
        if (!reached.has(ref)) continue;
        if (!forRuntime.has(ref)) draft.dev = true;
        if (!required.has(ref)) draft.metadata.optional = 'true';
      }
    }
    const relationships: RelationshipDraft[] = [];
    for (const [from, targets] of this.edges) {
      for (const [to, type] of targets) relationships.push({ from, to, type });
    }
    return { packages: [...this.packages.values()], relationships, projects: [...this.projects.values()] };
  }

  /** Packages reachable from the projects through edges that `follow` accepts. */
  private reach(follow: (type: RelationshipType, fromProject: boolean) => boolean): Set<string> {
    const seen = new Set<string>();
    const queue: string[] = [];
    const visit = (from: string, fromProject: boolean) => {
      for (const [to, type] of this.edges.get(from) ?? []) {
        if (seen.has(to) || !follow(type, fromProject)) continue;
        seen.add(to);
        queue.push(to);
      }
    };
    for (const project of this.projects.keys()) visit(project, true);
    while (queue.length > 0) visit(queue.pop() as string, false);
    return seen;
  }
}
