/**
 * Makes sure the real tools the image builds rely on are installed, installing the missing
 * ones from Debian's archive (the builds run as root on Debian bookworm machines).
 * @module
 */
import { spawnSync } from 'node:child_process';
import { BuildStepError } from './quiet-run.mjs';

/** Command -> Debian package that provides it. */
export const IMAGE_TOOLS = {
  mmdebstrap: 'mmdebstrap',
  umoci: 'umoci',
  skopeo: 'skopeo',
  'dpkg-query': 'dpkg',
  tar: 'tar',
  chroot: 'coreutils',
};

/** True when `command` is on PATH. */
export function hasCommand(command) {
  return spawnSync('sh', ['-c', `command -v "$1" >/dev/null`, 'sh', command]).status === 0;
}

/**
 * Installs, with apt-get, the packages of every command in `tools` that is missing.
 * @param {import('./quiet-run.mjs').QuietRunner} runner
 * @param {Record<string, string>} tools command -> Debian package
 */
export function ensureTools(runner, tools = IMAGE_TOOLS) {
  const missing = [...new Set(Object.entries(tools).filter(([command]) => !hasCommand(command)).map(([, pkg]) => pkg))];
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new BuildStepError(`missing tools; install the Debian packages: ${missing.join(' ')}`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  runner.run('apt-get', ['update'], { env });
  runner.run('apt-get', ['install', '-y', ...missing], { env });
  const still = Object.keys(tools).filter((command) => !hasCommand(command));
  if (still.length > 0) throw new BuildStepError(`apt-get did not provide: ${still.join(' ')}`);
}

/** The first line a tool prints for `--version`, for the record kept beside an image. */
export function toolVersion(command, args = ['--version']) {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return (result.stdout || result.stderr || '').split('\n')[0]?.trim() ?? '';
}
