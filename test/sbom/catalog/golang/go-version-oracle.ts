/**
 * Reads the output of `go version -m` (Go's own build-information reader, from Debian's
 * golang-go) into modules, so that tests can hold the go-binary cataloger against it: the
 * committed outputs beside the fixtures here, or `go version -m` run live on whole binaries.
 */

/** A module line of `go version -m`. */
export interface OracleModule {
  path: string;
  version: string;
  sum: string;
  /** The `=>` line under it. */
  replace?: OracleModule;
}

/** One binary's build information as `go version -m` prints it. */
export interface GoVersionOracle {
  /** The file name before the colon on the first line. */
  file: string;
  /** `go1.22.1`, experiments (`X:loopvar`) stripped. */
  goVersion: string;
  path?: string;
  main?: OracleModule;
  deps: OracleModule[];
  settings: Map<string, string>;
}

/**
 * Parses the output for one or more binaries (`go version -m a b c`). A binary Go could not
 * read (`could not read Go build info`, `not executable file`) has no entry.
 */
export function parseGoVersionOutput(output: string): GoVersionOracle[] {
  const binaries: GoVersionOracle[] = [];
  let current: GoVersionOracle | undefined;
  let last: OracleModule | undefined;
  for (const line of output.split('\n')) {
    if (!line.startsWith('\t')) {
      const match = /^(.*): (go\S+)(?: .*)?$/.exec(line);
      current = match === null ? undefined : { file: match[1] as string, goVersion: match[2] as string, deps: [], settings: new Map() };
      if (current !== undefined) binaries.push(current);
      last = undefined;
      continue;
    }
    if (current === undefined) continue;
    const [kind, ...columns] = line.slice(1).split('\t');
    const module = (): OracleModule => ({ path: columns[0] ?? '', version: columns[1] ?? '', sum: columns[2] ?? '' });
    if (kind === 'path') current.path = columns.join('\t');
    else if (kind === 'mod') current.main = last = module();
    else if (kind === 'dep') current.deps.push((last = module()));
    else if (kind === '=>' && last !== undefined) last.replace = module();
    else if (kind === 'build') {
      const setting = columns.join('\t');
      const equals = setting.indexOf('=');
      current.settings.set(setting.slice(0, equals), unquote(setting.slice(equals + 1)));
    }
  }
  return binaries;
}

/** Build setting values are Go-quoted when they hold spaces; the ones in real binaries are plain `"…"` strings. */
function unquote(value: string): string {
  return value.startsWith('"') && value.endsWith('"') ? (JSON.parse(value) as string) : value;
}

/**
 * The `name@version` of each dependency as the cataloger must report it: the module built (the
 * replacement, unless it is a local directory, which keeps the original path), and `stdlib`
 * at the toolchain version. The main module is left to the caller: its `(devel)` version is
 * resolved from build settings the oracle does not interpret.
 */
export function expectedDependencies(oracle: GoVersionOracle): string[] {
  const deps = oracle.deps.map((dep) => {
    const built = dep.replace ?? dep;
    const local = dep.replace !== undefined && (built.path.startsWith('.') || built.path.startsWith('/'));
    return `${local ? dep.path : built.path}@${built.version === '(devel)' ? '' : built.version}`;
  });
  return [...deps, `stdlib@${oracle.goVersion}`].sort();
}
