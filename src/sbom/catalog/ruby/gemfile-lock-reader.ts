/**
 * Reads the text of a Bundler lockfile (`Gemfile.lock`, `gems.locked`) into its sections, the
 * way Bundler's own lockfile parser does: a section starts with an unindented title; a source
 * section (`GEM`, `GIT`, `PATH`, `PLUGIN SOURCE`) has two-space options (`remote:`, `revision:`,
 * `branch:`…) and, under `specs:`, one gem per four-space line (`name (version[-platform])`) with
 * its dependencies on six-space lines below; `DEPENDENCIES` lists the Gemfile's own requirements
 * (`name!` when pinned to a git or path source); `PLATFORMS`, `CHECKSUMS` (Bundler 2.6 and later)
 * and `BUNDLED WITH` follow. Unknown sections are skipped, as Bundler skips them.
 * @module
 */

/** One locked gem: a `specs:` line and the dependencies under it. */
export interface LockedSpec {
  name: string;
  /** The version, without the platform Bundler appends with a `-`. */
  version: string;
  /** `ruby` unless the line names a platform (`x86_64-linux`). */
  platform: string;
  source: LockedSource;
  /** Names of the gems it depends on, in file order. */
  dependencies: string[];
}

/** The source section a spec is listed in. */
export interface LockedSource {
  type: 'GEM' | 'GIT' | 'PATH' | 'PLUGIN SOURCE';
  /** The section's options: `remote`, `revision`, `ref`, `branch`, `tag`, `glob`, `submodules`… */
  options: Record<string, string>;
}

/** What a lockfile holds. */
export interface GemLockfile {
  specs: LockedSpec[];
  /** `DEPENDENCIES`: the Gemfile's direct requirements, by name. */
  dependencies: string[];
  platforms: string[];
  /** `CHECKSUMS`: `name (version[-platform])` -> `sha256=…` (several comma-separated when given). */
  checksums: Map<string, string>;
  bundledWith?: string;
  /** Lines of a known section that did not have its shape. */
  unreadLines: number;
}

const SOURCE_SECTIONS = new Set(['GEM', 'GIT', 'PATH', 'PLUGIN SOURCE']);
const KNOWN_SECTIONS = new Set([...SOURCE_SECTIONS, 'PLATFORMS', 'DEPENDENCIES', 'CHECKSUMS', 'RUBY VERSION', 'BUNDLED WITH']);

// the version ends at the first `-`: what follows is the platform, as Bundler reads it
const SPEC = /^ {4}(\S+) \(([^-)\s]+)(?:-([^)\s]+))?\)$/;
const SPEC_DEPENDENCY = /^ {6}(\S+)(?: \([^)]*\))?$/;
const OPTION = /^ {2}([a-z_]+): ?(.*)$/;
const DEPENDENCY = /^ {2}([^\s!]+)(?: \([^)]*\))?!?$/;
const CHECKSUM = /^ {2}(\S+ \([^)\s]+\))(?: (\S+))?$/;

/** Splits the lockfile into sections; never throws, counts what it cannot read. */
export function readGemLockfile(text: string): GemLockfile {
  const lock: GemLockfile = { specs: [], dependencies: [], platforms: [], checksums: new Map(), unreadLines: 0 };
  let section: string | undefined;
  let source: LockedSource | undefined;
  let inSpecs = false;
  let spec: LockedSpec | undefined;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line.trim() === '') continue;
    if (/^(<{7}|={7}|>{7})/.test(line)) {
      // a merge conflict left in the file: both sides are read, and the file said to be damaged
      lock.unreadLines++;
      continue;
    }
    if (!line.startsWith(' ')) {
      section = KNOWN_SECTIONS.has(line) ? line : undefined;
      source = section !== undefined && SOURCE_SECTIONS.has(section) ? { type: section as LockedSource['type'], options: {} } : undefined;
      inSpecs = false;
      spec = undefined;
      continue;
    }
    if (section === undefined) continue;
    if (source !== undefined) {
      if (line === '  specs:') {
        inSpecs = true;
        continue;
      }
      const option = inSpecs ? null : OPTION.exec(line);
      if (option !== null) {
        // older lockfiles give one `remote:` line per rubygems source
        const key = option[1] as string;
        const value = option[2] as string;
        source.options[key] = source.options[key] === undefined ? value : `${source.options[key]} ${value}`;
        continue;
      }
      const specMatch = inSpecs ? SPEC.exec(line) : null;
      if (specMatch !== null) {
        spec = { name: specMatch[1] as string, version: specMatch[2] as string, platform: specMatch[3] ?? 'ruby', source, dependencies: [] };
        lock.specs.push(spec);
        continue;
      }
      const dependency = spec !== undefined ? SPEC_DEPENDENCY.exec(line) : null;
      if (dependency !== null && spec !== undefined) {
        spec.dependencies.push(dependency[1] as string);
        continue;
      }
      lock.unreadLines++;
      continue;
    }
    readOtherLine(section, line, lock);
  }
  return lock;
}

function readOtherLine(section: string, line: string, lock: GemLockfile): void {
  const value = line.trim();
  if (section === 'PLATFORMS' && /^ {2}\S+$/.test(line)) {
    lock.platforms.push(value);
  } else if (section === 'DEPENDENCIES' && DEPENDENCY.test(line)) {
    lock.dependencies.push((DEPENDENCY.exec(line) as RegExpExecArray)[1] as string);
  } else if (section === 'CHECKSUMS' && CHECKSUM.test(line)) {
    const match = CHECKSUM.exec(line) as RegExpExecArray;
    // a gem without a checksum (a path or git gem) is listed bare
    if (match[2] !== undefined) lock.checksums.set(match[1] as string, match[2]);
  } else if (section === 'BUNDLED WITH' && /^ +\S+$/.test(line)) {
    lock.bundledWith = value;
  } else if (section !== 'RUBY VERSION') {
    lock.unreadLines++;
  }
}
