/**
 * The oracles a scan is compared with: what the ecosystems' own tools report for a root
 * filesystem. dpkg-query reads the dpkg database, npm ls reads the installed tree, and the
 * root filesystem's own python3 lists the distributions `importlib.metadata` finds.
 * @module
 */
import { BuildStepError } from './quiet-run.mjs';

const DPKG_FORMAT = '${db:Status-Abbrev}\\t${Package}\\t${Version}\\t${Architecture}\\n';

/**
 * Every package the dpkg database under `<rootfs>/var/lib/dpkg` knows, installed or not.
 * @param {import('./quiet-run.mjs').QuietRunner} runner
 * @returns {{ status: string, name: string, version: string, arch: string }[]}
 */
export function dpkgOracle(runner, rootfs) {
  const text = runner.run('dpkg-query', [`--admindir=${rootfs}/var/lib/dpkg`, '-W', '-f', DPKG_FORMAT], { capture: true });
  const rows = text.split('\n').filter(Boolean).map((line) => {
    const [status, name, version, arch] = line.split('\t');
    if (!status || !name || version === undefined || !arch) throw new BuildStepError(`unexpected dpkg-query line: ${line}`);
    return { status, name, version, arch };
  });
  if (rows.length === 0) throw new BuildStepError(`dpkg-query found no packages in ${rootfs}`);
  return rows.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * `npm ls --all --json` of the project in `appDir`, as npm prints it. npm exits non-zero when
 * the tree is not what the lockfile says; that is a broken fixture, so it fails the build.
 */
export function npmOracle(runner, appDir) {
  return JSON.parse(runner.run('npm', ['ls', '--all', '--json'], { cwd: appDir, capture: true }));
}

const PYTHON_DISTRIBUTIONS = [
  'import importlib.metadata as m, json, sys',
  'paths = sys.argv[1:] or None',
  'dists = m.distributions(path=paths) if paths else m.distributions()',
  "print(json.dumps(sorted([d.metadata['Name'], d.version] for d in dists)))",
].join('\n');

/**
 * The `(Name, version)` pairs of the distributions the root filesystem's own python3 finds,
 * run inside it with chroot.
 * @returns {[string, string][]}
 */
export function pythonOracleInRoot(runner, rootfs) {
  const env = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' };
  return JSON.parse(runner.run('chroot', [rootfs, '/usr/bin/python3', '-I', '-c', PYTHON_DISTRIBUTIONS], { env, capture: true }));
}

/**
 * The same list, found by this machine's python3 in the given folders only; for a root
 * filesystem that holds Python metadata but no interpreter.
 * @returns {[string, string][]}
 */
export function pythonOracleInPaths(runner, dirs) {
  return JSON.parse(runner.run('python3', ['-I', '-c', PYTHON_DISTRIBUTIONS, ...dirs], { capture: true }));
}
