/**
 * Go modules a source tree requires: its `go.mod` files (outside `vendor/`), with the `h1:` hashes
 * of the `go.sum` beside each. The packages are the modules `go.mod` requires, after its `replace`
 * directives: a module replaced by another module is reported as the replacement, one replaced by
 * a local directory under its own path and without a version (the directory's code has none).
 * `exclude` and `retract` change nothing in that list: an exclusion only steers version selection
 * and a retraction speaks of this module's own versions. The module itself is the project, which
 * depends on the requirements not marked `// indirect`.
 *
 * The `go` and `toolchain` lines are minimums, not the toolchain a build will use, so no standard
 * library package is reported from them (an executable's build information names the real one).
 * @module
 */
import { posix } from 'node:path';
import type { CatalogContext, CatalogFile, CatalogResult, Cataloger, PackageDraft, ProjectDraft, RelationshipDraft } from '../cataloger.js';
import { golangPurl } from './go-binary.js';
import { isDirectoryPath, parseGoMod, type GoModFile, type Replacement, type Requirement } from './go-mod-syntax.js';
import { parseGoSum, sumKey } from './go-sum.js';

/** The go.mod cataloger (`go-mod`). */
export const goModCataloger: Cataloger = {
  name: 'go-mod',
  sources: ['directory', 'lockfile'],
  patterns: ['**/go.mod'],
  related: ['**/go.sum'],
  exclude: ['**/vendor/**'],
  maxFileSize: 16 * 1024 * 1024,
  parse: parseGoModFiles,
};

const MAX_PROBLEMS_REPORTED = 3;

function parseGoModFiles(files: readonly CatalogFile[], context: CatalogContext): CatalogResult {
  const result: Required<CatalogResult> = { packages: [], relationships: [], projects: [] };
  for (const file of files) {
    try {
      readGoMod(file, context, result);
    } catch (error) {
      context.warn({ code: 'METADATA_UNPARSABLE', message: `unreadable go.mod: ${(error as Error).message}`, path: file.path });
    }
  }
  return result;
}

function readGoMod(file: CatalogFile, context: CatalogContext, result: Required<CatalogResult>): void {
  const warn = (message: string, path = file.path) => context.warn({ code: 'METADATA_UNPARSABLE', message, path });
  const skip = (message: string) => context.warn({ code: 'PACKAGE_SKIPPED', message, path: file.path });
  const mod = parseGoMod(file.content.toString('utf8'));
  if (mod.problems.length > 0) skip(`go.mod lines skipped: ${summarize(mod.problems)}`);
  const hashes = readSums(file.path, context, warn);

  const project = toProject(file.path, mod);
  if (mod.module === undefined) warn('go.mod has no module directive; the project is named after its folder');
  result.projects.push(project);

  const seen = new Map<string, PackageDraft>();
  for (const requirement of mod.require) {
    if (mod.exclude.some((e) => e.path === requirement.path && e.version === requirement.version)) {
      // the go command would move on to a later version that only the module graph knows
      warn(`${requirement.path}@${requirement.version} is both required and excluded; reported as required`);
    }
    let draft: PackageDraft;
    try {
      draft = toDraft(file.path, requirement, replacementOf(requirement, mod.replace), hashes);
    } catch (error) {
      skip(`Go module skipped: ${(error as Error).message}`);
      continue;
    }
    const existing = seen.get(draft.purl);
    if (existing === undefined) {
      seen.set(draft.purl, draft);
      result.packages.push(draft);
    } else if (!requirement.indirect) {
      // the same module required twice (or two modules replaced by one): direct wins
      delete existing.metadata.indirect;
    }
    if (!requirement.indirect) result.relationships.push({ from: project.ref, to: (existing ?? draft).ref, type: 'depends-on' } satisfies RelationshipDraft);
  }
}

/** The hashes of the go.sum beside the go.mod, or none when there is no go.sum. */
function readSums(goModPath: string, context: CatalogContext, warn: (message: string, path?: string) => void): Map<string, string> {
  const path = posix.join(posix.dirname(goModPath), 'go.sum');
  const content = context.resolver.read(path);
  if (content === undefined) return new Map();
  const sums = parseGoSum(content.toString('utf8'));
  if (sums.malformed > 0) warn(`${sums.malformed} malformed go.sum lines skipped`, path);
  return sums.hashes;
}

/** The replace directive that applies: one naming this exact version wins over one for every version. */
function replacementOf(requirement: Requirement, replacements: readonly Replacement[]): Replacement | undefined {
  let any: Replacement | undefined;
  for (const replacement of replacements) {
    if (replacement.old.path !== requirement.path) continue;
    if (replacement.old.version === requirement.version) return replacement;
    if (replacement.old.version === '') any = replacement;
  }
  return any;
}

function toDraft(goModPath: string, requirement: Requirement, replacement: Replacement | undefined, hashes: ReadonlyMap<string, string>): PackageDraft {
  const metadata: Record<string, string> = {};
  if (requirement.indirect) metadata.indirect = 'true';
  let name = requirement.path;
  let version = requirement.version;
  if (replacement !== undefined) {
    metadata.replaces = `${requirement.path}@${requirement.version}`;
    if (isDirectoryPath(replacement.new.path)) {
      metadata.replacementPath = replacement.new.path;
      version = '';
    } else {
      name = replacement.new.path;
      version = replacement.new.version;
    }
  }
  const hash = version === '' ? undefined : hashes.get(sumKey(name, version));
  if (hash !== undefined) metadata.h1Digest = hash;
  const purl = golangPurl(name, version);
  return { ref: `${goModPath}#${purl}`, name, version, type: 'go', purl, licenses: [], metadata, locations: [{ path: goModPath }] };
}

function toProject(goModPath: string, mod: GoModFile): ProjectDraft {
  const ref = `${goModPath}#project`;
  if (mod.module === undefined) return { ref, name: posix.basename(posix.dirname(goModPath)) || goModPath, locations: [{ path: goModPath }] };
  let purl: string | undefined;
  try {
    purl = golangPurl(mod.module, '');
  } catch {
    purl = undefined;
  }
  return purl === undefined ? { ref, name: mod.module, locations: [{ path: goModPath }] } : { ref, name: mod.module, purl, locations: [{ path: goModPath }] };
}

function summarize(problems: readonly string[]): string {
  const shown = problems.slice(0, MAX_PROBLEMS_REPORTED).join('; ');
  return problems.length > MAX_PROBLEMS_REPORTED ? `${shown} (and ${problems.length - MAX_PROBLEMS_REPORTED} more)` : shown;
}
