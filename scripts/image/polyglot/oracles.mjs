/**
 * The oracles of the polyglot image's ecosystems beyond deb, npm and Python, each the ecosystem's
 * own tool run on the final root filesystem: rpm, go, RubyGems, and Debian's maven-repo poms.
 * @module
 */
import { closeSync, cpSync, lstatSync, mkdtempSync, openSync, readdirSync, readSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BuildStepError } from '../lib/quiet-run.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CHROOT_ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', HOME: '/root' };

/** The fields of `rpm -qa`, one tab-separated line per package. */
export const RPM_QUERY_FORMAT = '%{NAME}\\t%{EPOCH}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\n';

/**
 * `rpm -qa --dbpath <rootfs><dbpath>` by this machine's rpm, on a copy of the database (rpm may
 * write beside a database it opens).
 * @param {import('../lib/quiet-run.mjs').QuietRunner} runner
 * @returns {string} the tab-separated lines, sorted
 */
export function rpmOracle(runner, rootfs, dbpath) {
  const copy = mkdtempSync(path.join(os.tmpdir(), 'sealkit-rpmdb-'));
  try {
    cpSync(path.join(rootfs, dbpath), copy, { recursive: true });
    const text = runner.run('rpm', ['-qa', '--dbpath', copy, '--qf', RPM_QUERY_FORMAT], { capture: true });
    const lines = text.split('\n').filter(Boolean).sort();
    if (lines.length === 0) throw new BuildStepError(`rpm -qa found no packages in ${rootfs}${dbpath}`);
    return `${lines.join('\n')}\n`;
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

/**
 * Regular files with an execute bit whose first bytes are an ELF header, as absolute host paths.
 * Links are not followed: Debian's /bin and /lib are links to their /usr folders.
 */
function elfExecutables(rootfs) {
  const found = [];
  const head = Buffer.alloc(4);
  const visit = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(file);
      if (!entry.isFile() || (lstatSync(file).mode & 0o111) === 0) continue;
      const fd = openSync(file, 'r');
      try {
        if (readSync(fd, head, 0, 4, 0) === 4 && head.toString('latin1') === '\x7fELF') found.push(file);
      } finally {
        closeSync(fd);
      }
    }
  };
  visit(rootfs);
  return found.sort();
}

/**
 * `go version -m` (this machine's Go) on every executable ELF file of the root filesystem, named
 * one by one (walking the folder would follow absolute links out of the root), with the root's
 * prefix taken off the file names. Files Go does not recognize print nothing on stdout.
 * @param {import('../lib/quiet-run.mjs').QuietRunner} runner
 * @returns {string}
 */
export function goOracle(runner, rootfs) {
  const files = elfExecutables(rootfs);
  let output = '';
  for (let start = 0; start < files.length; start += 256) {
    output += runner.run('go', ['version', '-m', ...files.slice(start, start + 256)], { capture: true, allowExit: [1] });
  }
  const prefix = rootfs.endsWith('/') ? rootfs : `${rootfs}/`;
  const text = output.split('\n').map((line) => (line.startsWith(prefix) ? `/${line.slice(prefix.length)}` : line)).join('\n');
  if (!/^\/\S+: go/m.test(text)) throw new BuildStepError(`go version -m found no Go executable in ${rootfs}`);
  return text;
}

const GEM_LIST = 'require "json"; puts JSON.generate(Gem::Specification.map { |s| [s.name, s.version.to_s, s.loaded_from] }.sort)';

/**
 * Every gem the image's own RubyGems knows (`Gem::Specification`, what `gem list --local` lists,
 * default gems included), run inside it with chroot: `[name, version, gemspec path]`.
 * @returns {[string, string, string][]}
 */
export function gemOracleInRoot(runner, rootfs) {
  return JSON.parse(runner.run('chroot', [rootfs, '/usr/bin/ruby', '-e', GEM_LIST], { env: CHROOT_ENV, capture: true }));
}

/**
 * The Maven coordinates of every jar file of the root, from the poms Debian installs in
 * /usr/share/maven-repo (maven-repo-oracle.py, Python's ElementTree).
 * @returns {{ jar: string, coordinates: string[] }[]}
 */
export function mavenRepoOracle(runner, rootfs) {
  return JSON.parse(runner.run('python3', [path.join(HERE, 'maven-repo-oracle.py'), rootfs], { capture: true }));
}
