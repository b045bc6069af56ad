/**
 * Go modules compiled into executables, from the build information Go embeds in every ELF,
 * Mach-O and PE binary it links: the main module, each dependency with its `h1:` hash (the
 * module actually built when a `replace` directive substituted one), the toolchain as
 * `pkg:golang/stdlib`, and the build settings. Executables are selected by their first bytes,
 * whatever their name, and read through random access: headers, then the build information
 * only. Files that are not Go binaries are skipped without a word.
 * @module
 */
import { EXECUTABLE_MAGIC, ExecutableError, MAX_EXECUTABLE_SIZE, readExecutables, type Executable } from '../../readers/executable/index.js';
import { buildPurl } from '../../purl.js';
import { bufferContent, type CatalogContext, type CatalogFile, type CatalogResult, type Cataloger, type PackageDraft, type RelationshipDraft } from '../cataloger.js';
import { BuildInfoError, readRawBuildInfo, type RawBuildInfo } from './buildinfo.js';
import { resolveDevelVersion } from './main-version.js';
import { parseModuleInfo, type GoModule, type GoModuleInfo } from './modinfo.js';

/** The Go binary cataloger (`go-binary`). */
export const goBinaryCataloger: Cataloger = {
  name: 'go-binary',
  sources: ['image', 'directory'],
  patterns: [],
  magic: EXECUTABLE_MAGIC,
  randomAccess: true,
  maxFileSize: MAX_EXECUTABLE_SIZE,
  parse: parseGoBinaries,
};

const DEVEL = '(devel)';
/** What `go build file.go` records instead of a module: no module identity at all. */
const COMMAND_LINE_ARGUMENTS = 'command-line-arguments';
const MAX_PROBLEMS_REPORTED = 3;

function parseGoBinaries(files: readonly CatalogFile[], context: CatalogContext): CatalogResult {
  const result: CatalogResult = { packages: [], relationships: [] };
  for (const file of files) {
    try {
      const executables = readExecutables(file.reader ?? bufferContent(file.content));
      const seen = new Map<string, PackageDraft>();
      for (const executable of executables) {
        const raw = readRawBuildInfo(executable);
        if (raw !== undefined) addBinary(result, seen, file.path, executable, raw, context);
      }
    } catch (error) {
      if (!(error instanceof ExecutableError || error instanceof BuildInfoError)) throw error;
      context.warn({
        code: error instanceof ExecutableError && error.code === 'FILE_TOO_LARGE' ? 'FILE_TOO_LARGE' : 'METADATA_UNPARSABLE',
        message: `unreadable Go build information: ${error.message}`,
        path: file.path,
      });
    }
  }
  return result;
}

/** Adds the packages of one executable image (a universal binary's slices share `seen`). */
function addBinary(result: CatalogResult, seen: Map<string, PackageDraft>, path: string, executable: Executable, raw: RawBuildInfo, context: CatalogContext): void {
  const info = parseModuleInfo(raw.modinfo);
  if (info.problems.length > 0) {
    const shown = info.problems.slice(0, MAX_PROBLEMS_REPORTED).join('; ');
    const more = info.problems.length > MAX_PROBLEMS_REPORTED ? ` (and ${info.problems.length - MAX_PROBLEMS_REPORTED} more)` : '';
    context.warn({ code: 'METADATA_UNPARSABLE', message: `Go module information lines skipped: ${shown}${more}`, path });
  }
  const settings = new Map(info.settings);
  const [goVersion = raw.goVersion, ...extras] = raw.goVersion.split(' ');
  const experiments = extras.filter((part) => part.startsWith('X:')).map((part) => part.slice(2)).join(',');
  const common: Record<string, string> = { goVersion, architecture: settings.get('GOARCH') ?? executable.machine };
  if (experiments !== '') common.goExperiments = experiments;

  const add = (draft: Omit<PackageDraft, 'ref' | 'locations'>): PackageDraft | undefined => {
    const existing = seen.get(draft.purl);
    if (existing !== undefined) {
      // one module in several slices of a universal binary: one package, every architecture
      const architectures = new Set(`${existing.metadata.architecture ?? ''},${draft.metadata.architecture ?? ''}`.split(',').filter((a) => a !== ''));
      existing.metadata.architecture = [...architectures].sort().join(',');
      return existing;
    }
    const full: PackageDraft = { ...draft, ref: `${path}#${draft.purl}`, locations: [{ path }] };
    seen.set(draft.purl, full);
    result.packages.push(full);
    return full;
  };
  const relate = (from: PackageDraft | undefined, to: PackageDraft | undefined): void => {
    if (from === undefined || to === undefined || from === to) return;
    if (result.relationships.some((r) => r.from === from.ref && r.to === to.ref)) return;
    result.relationships.push({ from: from.ref, to: to.ref, type: 'depends-on' } satisfies RelationshipDraft);
  };

  const { main, deps } = mainAndDeps(info);
  const mainDraft = main === undefined ? undefined : guardedAdd(() => add(mainPackage(main, settings, common)), path, context);
  for (const dep of deps) {
    const draft = guardedAdd(() => add(depPackage(dep, main?.path, common)), path, context);
    relate(mainDraft, draft);
  }
  if (/^go\d/.test(goVersion)) {
    const stdlib = add({
      name: 'stdlib',
      version: goVersion,
      type: 'go',
      purl: buildPurl({ type: 'golang', name: 'stdlib', version: goVersion.slice(2) }),
      licenses: [{ expression: 'BSD-3-Clause' }],
      metadata: { ...common, ...(main === undefined ? {} : { mainModule: main.path }) },
    });
    relate(mainDraft, stdlib);
  }
}

/** A module whose purl cannot be built (a version Go would not accept) is reported and skipped. */
function guardedAdd(add: () => PackageDraft | undefined, path: string, context: CatalogContext): PackageDraft | undefined {
  try {
    return add();
  } catch (error) {
    context.warn({ code: 'METADATA_UNPARSABLE', message: `Go module skipped: ${(error as Error).message}`, path });
    return undefined;
  }
}

/**
 * The main module and the dependencies, as syft reads them: a binary built outside module mode
 * (Debian builds in GOPATH mode) has no `mod` line, and its main package path stands in for
 * the main module, unless exactly one dependency is `(devel)` (a workspace build), which then
 * is the main module. `go build file.go` leaves nothing to name a main module by.
 */
function mainAndDeps(info: GoModuleInfo): { main?: GoModule; deps: GoModule[] } {
  const recorded = info.main?.path === COMMAND_LINE_ARGUMENTS && info.main.version === '' ? undefined : info.main;
  if (recorded !== undefined) return { main: recorded, deps: info.deps.filter((dep) => !sameModule(dep, recorded)) };
  const devel = info.deps.filter((dep) => dep.version === DEVEL);
  if (devel.length === 1) return { main: devel[0], deps: info.deps.filter((dep) => dep !== devel[0]) };
  if (info.path === undefined || info.path === '' || info.path === COMMAND_LINE_ARGUMENTS) return { deps: info.deps };
  return { main: { path: info.path, version: DEVEL, sum: '' }, deps: info.deps };
}

function sameModule(a: GoModule | undefined, b: GoModule | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.path === b.path && a.version === b.version && a.sum === b.sum && sameModule(a.replace, b.replace);
}

function mainPackage(main: GoModule, settings: ReadonlyMap<string, string>, common: Record<string, string>): Omit<PackageDraft, 'ref' | 'locations'> {
  const metadata: Record<string, string> = { ...common, mainModule: main.path };
  if (main.sum !== '') metadata.h1Digest = main.sum;
  for (const [key, value] of settings) metadata[`build:${key}`] = value;
  let version = main.version;
  if (version === DEVEL) {
    const resolved = resolveDevelVersion(main.path, settings);
    version = resolved?.version ?? '';
    metadata.recordedVersion = DEVEL;
    if (resolved !== undefined) metadata.versionSource = resolved.source;
  }
  return goPackage(main.path, version, metadata);
}

/**
 * A dependency: the replacement when there is one (a local directory keeps the original path,
 * which is all that names it), with the original module kept in the metadata.
 */
function depPackage(dep: GoModule, mainModule: string | undefined, common: Record<string, string>): Omit<PackageDraft, 'ref' | 'locations'> {
  const metadata: Record<string, string> = { ...common };
  if (mainModule !== undefined) metadata.mainModule = mainModule;
  let built = dep;
  let name = dep.path;
  if (dep.replace !== undefined) {
    built = dep.replace;
    const local = built.path.startsWith('.') || built.path.startsWith('/');
    if (!local) name = built.path;
    metadata.replaces = dep.version === '' ? dep.path : `${dep.path}@${dep.version}`;
    if (local) metadata.replacementPath = built.path;
  }
  if (built.sum !== '') metadata.h1Digest = built.sum;
  return goPackage(name, built.version === DEVEL ? '' : built.version, metadata);
}

function goPackage(path: string, version: string, metadata: Record<string, string>): Omit<PackageDraft, 'ref' | 'locations'> {
  return { name: path, version, type: 'go', purl: golangPurl(path, version), licenses: [], metadata };
}

/** `pkg:golang/<module path>@<version>`: the path's last element is the name, the rest the namespace. */
export function golangPurl(path: string, version: string): string {
  const slash = path.lastIndexOf('/');
  return slash > 0 && slash < path.length - 1
    ? buildPurl({ type: 'golang', namespace: path.slice(0, slash), name: path.slice(slash + 1), version })
    : buildPurl({ type: 'golang', name: path, version });
}
