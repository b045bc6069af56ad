/**
 * Merges what every cataloger found in every view of a source into the packages and
 * relationships of one SBOM.
 *
 * A package is identified by its purl: the same purl found by two catalogers, in two layers, in
 * two executables, or alone and nested in an archive is one package with every location. When
 * such drafts disagree, the first one (catalogers in registry order, then views in layer order,
 * then the order the cataloger gave) decides the name, version, type, `foundBy`, description,
 * homepage and supplier, and later ones only fill what it left unset. Metadata describes one
 * occurrence as one cataloger read it (a binary's build settings, a jar's path inside an
 * archive), so a cataloger's first draft of a package gives all of that cataloger's metadata and
 * its later drafts (the same module in another binary) add none: mixing them would describe no
 * real artifact. Another cataloger's metadata adds the keys the package lacks (the lockfile's
 * `integrity` beside what `package.json` says). Licenses are the union of every declaration: each
 * copy's is evidence of what was shipped, and the model's list means all of them. Locations are
 * the union, sorted.
 *
 * Relationships are keyed by their ends and type once drafts have become package ids, so no two
 * are equal. When one pair carries several dependency kinds (npm-installed reads `depends-on`
 * where a lockfile says `dev-depends-on`), only the strongest is kept: `depends-on`, then
 * `optional-depends-on`, then `dev-depends-on`. `contains` and `owns` stand beside a dependency:
 * an archive may both hold and need a library.
 *
 * A package is `dev` only while every draft of it says so: one lockfile that needs it to run
 * (or a cataloger that found it installed, which says nothing of development) makes it a
 * package the project ships.
 *
 * Projects (a lockfile's root package, a workspace member) are the SBOM's subject, not packages:
 * each is identified by `project:` and its purl, or, without a purl, the folder of its first
 * location and its name, so that the same project found by two lockfiles (`yarn.lock` and
 * `package-lock.json` side by side) is one, with both locations, while the workspace members
 * a lockfile names, all located at that lockfile, stay apart. A relationship from a project's ref becomes
 * one from its id.
 * @module
 */
import type { CatalogResult, PackageDraft, ProjectDraft } from './catalog/cataloger.js';
import { ownershipRelationships } from './file-ownership.js';
import type { License, Location, Package, Project, Relationship, RelationshipType } from './model.js';

/** The index of the layer that introduced a package or project draft at one of its paths. */
export type LayerOf = (draft: PackageDraft | ProjectDraft, path: string) => number;

/** The dependency kinds, strongest first. */
const DEPENDENCY_STRENGTH: readonly RelationshipType[] = ['depends-on', 'optional-depends-on', 'dev-depends-on'];

/** Collects parse results into packages keyed by purl, and their relationships. */
export class PackageCollector {
  private readonly packages = new Map<string, Package>();
  /** `path\0layer` of each package's locations, so that merging stays linear in locations. */
  private readonly locationKeys = new Map<string, Set<string>>();
  /** The catalogers whose metadata each package holds. */
  private readonly metadataFrom = new Map<string, Set<string>>();
  private readonly ownedFiles = new Map<string, Iterable<string>>();
  private readonly relationships = new Map<string, Relationship>();
  private readonly projects = new Map<string, Project>();
  /** Packages some draft found needed beyond development: they stay non-dev whatever later drafts say. */
  private readonly needed = new Set<string>();

  /** `layerIds[i]` is the diffID of layer `i` (undefined for a directory). */
  constructor(private readonly layerIds: ReadonlyArray<string | undefined>) {}

  /**
   * Adds one cataloger's result for one view; `layerOf` gives the index of the layer that
   * introduced a draft at one of its paths.
   */
  add(foundBy: string, result: CatalogResult, layerOf: LayerOf): void {
    const idOfRef = new Map<string, string>();
    for (const draft of result.projects ?? []) idOfRef.set(draft.ref, this.addProject(draft, layerOf));
    for (const draft of result.packages) {
      const locations = this.locate(draft, layerOf);
      // catalogers build purls through one canonical writer, so equal packages have equal strings
      const id = draft.purl === '' ? `${foundBy}:${draft.ref}` : draft.purl;
      idOfRef.set(draft.ref, id);
      let pkg = this.packages.get(id);
      if (pkg === undefined) {
        pkg = toPackage(draft, id, foundBy);
        this.packages.set(id, pkg);
        this.locationKeys.set(id, new Set());
        this.metadataFrom.set(id, new Set([foundBy]));
      } else {
        const from = this.metadataFrom.get(id) as Set<string>;
        merge(pkg, draft, !from.has(foundBy));
        from.add(foundBy);
      }
      const keys = this.locationKeys.get(id) as Set<string>;
      for (const location of locations) {
        const key = `${location.path}\u0000${location.layer ?? ''}`;
        if (keys.has(key)) continue;
        keys.add(key);
        pkg.locations.push(location);
      }
      if (draft.ownedFiles !== undefined && !this.ownedFiles.has(id)) this.ownedFiles.set(id, draft.ownedFiles);
      if (draft.dev !== true) this.needed.add(id);
    }
    for (const rel of result.relationships) {
      const from = idOfRef.get(rel.from);
      const to = idOfRef.get(rel.to);
      // a project is a subject, never a dependency: only `from` may name one
      if (from === undefined || to === undefined || from === to || this.projects.has(to)) continue;
      this.relate({ from, to, type: rel.type });
    }
  }

  /**
   * The merged packages, projects and relationships, ownership included; call once, after every
   * `add`. A package is `dev: true` only when no draft of it was needed beyond development.
   */
  finish(): { packages: Package[]; projects: Project[]; relationships: Relationship[] } {
    const packages = [...this.packages.values()];
    for (const pkg of packages) {
      pkg.locations.sort(compareLocations);
      if (this.needed.has(pkg.id)) delete pkg.dev;
      else pkg.dev = true;
    }
    const projects = [...this.projects.values()];
    for (const project of projects) project.locations.sort(compareLocations);
    for (const relationship of ownershipRelationships(packages, this.ownedFiles)) this.relate(relationship);
    this.ownedFiles.clear();
    this.locationKeys.clear();
    this.metadataFrom.clear();
    this.needed.clear();
    return { packages, projects, relationships: strongestDependencies([...this.relationships.values()]) };
  }

  private locate(draft: PackageDraft | ProjectDraft, layerOf: LayerOf): Location[] {
    return draft.locations.map(({ path }) => {
      const layer = this.layerIds[layerOf(draft, path)];
      return layer === undefined ? { path } : { path, layer };
    });
  }

  /** Adds or merges a project; returns its id. */
  private addProject(draft: ProjectDraft, layerOf: LayerOf): string {
    const locations = this.locate(draft, layerOf);
    const id = projectId(draft, locations);
    let project = this.projects.get(id);
    if (project === undefined) {
      project = {
        id,
        name: draft.name,
        ...(draft.version !== undefined ? { version: draft.version } : {}),
        ...(draft.purl !== undefined && draft.purl !== '' ? { purl: draft.purl } : {}),
        locations: [],
      };
      this.projects.set(id, project);
    } else if (project.version === undefined && draft.version !== undefined) {
      project.version = draft.version;
    }
    for (const location of locations) {
      if (!project.locations.some((l) => l.path === location.path && l.layer === location.layer)) project.locations.push(location);
    }
    return id;
  }

  private relate(relationship: Relationship): void {
    this.relationships.set(`${relationship.from}\u0000${relationship.to}\u0000${relationship.type}`, relationship);
  }
}

/**
 * `project:` and the purl; without one, `project:`, the folder of the project's first location,
 * `#` and its name: two lockfiles side by side (`yarn.lock` and `package-lock.json`) describe
 * the same project of that folder, two folders are two projects, and so are two workspace
 * members that one lockfile names (both located at the lockfile).
 */
function projectId(draft: ProjectDraft, locations: readonly Location[]): string {
  if (draft.purl !== undefined && draft.purl !== '') return `project:${draft.purl}`;
  const first = [...locations].sort(compareLocations)[0];
  if (first === undefined) return `project:#${draft.name}`;
  const slash = first.path.lastIndexOf('/');
  return `project:${slash <= 0 ? '/' : first.path.slice(0, slash)}#${draft.name}`;
}

/** A new package from its first draft; locations are added by the caller; `dev` is settled by `finish`. */
function toPackage(draft: PackageDraft, id: string, foundBy: string): Package {
  const { ref: _ref, locations: _locations, ownedFiles: _ownedFiles, dev: _dev, ...rest } = draft;
  return { ...rest, id, locations: [], foundBy, licenses: uniqueLicenses(draft.licenses), metadata: { ...draft.metadata } };
}

/** Adds a later draft's licenses, its descriptions where the package has none, and with `withMetadata` its missing metadata keys. */
function merge(into: Package, draft: PackageDraft, withMetadata: boolean): void {
  for (const license of draft.licenses) {
    const key = licenseKey(license);
    if (!into.licenses.some((l) => licenseKey(l) === key)) into.licenses.push(license);
  }
  for (const [key, value] of withMetadata ? Object.entries(draft.metadata) : []) {
    // defined, not assigned: a key such as `__proto__` stays a plain entry
    if (!Object.hasOwn(into.metadata, key)) Object.defineProperty(into.metadata, key, { value, enumerable: true, writable: true, configurable: true });
  }
  if (into.description === undefined && draft.description !== undefined) into.description = draft.description;
  if (into.homepage === undefined && draft.homepage !== undefined) into.homepage = draft.homepage;
  if (into.supplier === undefined && draft.supplier !== undefined) into.supplier = draft.supplier;
}

/** Drops a weaker dependency kind where the same pair also has a stronger one. */
function strongestDependencies(relationships: Relationship[]): Relationship[] {
  const strongest = new Map<string, number>();
  for (const r of relationships) {
    const rank = DEPENDENCY_STRENGTH.indexOf(r.type);
    if (rank < 0) continue;
    const pair = `${r.from}\u0000${r.to}`;
    strongest.set(pair, Math.min(rank, strongest.get(pair) ?? rank));
  }
  return relationships.filter((r) => {
    const rank = DEPENDENCY_STRENGTH.indexOf(r.type);
    return rank < 0 || strongest.get(`${r.from}\u0000${r.to}`) === rank;
  });
}

function compareLocations(a: Location, b: Location): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : (a.layer ?? '') < (b.layer ?? '') ? -1 : (a.layer ?? '') > (b.layer ?? '') ? 1 : 0;
}

function uniqueLicenses(licenses: readonly License[]): License[] {
  const keys = licenses.map(licenseKey);
  return licenses.filter((_, i) => keys.indexOf(keys[i] as string) === i);
}

function licenseKey(license: License): string {
  return 'name' in license ? `name\u0000${license.name}` : `expression\u0000${license.expression}`;
}
