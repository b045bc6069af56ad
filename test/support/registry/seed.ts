/**
 * Fills test registries with real images by `skopeo copy`: one image from an archive or layout
 * of the e2e images, or the multi-platform index of scripts/registry/build-multi-platform-image.mjs.
 * OCI sources keep their manifest digests, so what a test pushed is the archive's image, byte
 * for byte.
 * @module
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { RegistryCredentials, RunningRegistry } from './registry-server.js';

const run = promisify(execFile);
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** How skopeo reads the source: an OCI archive, a docker-archive, or an OCI layout folder. */
export type SeedScheme = 'oci-archive' | 'docker-archive' | 'oci';

/** Where to push, and as whom. */
export interface SeedOptions {
  /** Credentials to push with; the registry's own user by default, none for an anonymous one. */
  credentials?: RegistryCredentials;
  /** The tag or ref name inside an OCI archive or layout that holds several images. */
  sourceRef?: string;
  signal?: AbortSignal;
}

/** A registry, or its `host:port`. */
export type RegistryTarget = Pick<RunningRegistry, 'host' | 'auth'> | string;

/** One platform's image in the multi-platform index. */
export interface IndexedImage {
  /** `real` for the e2e bookworm image, `busybox-static` for the other platform's. */
  role: string;
  /** `os/arch`. */
  platform: string;
  digest: string;
  size: number;
  imageId: string;
  layers: Array<{ digest: string; diffID: string; mediaType: string; size: number }>;
}

/** image.json of the multi-platform image's cache folder. */
export interface MultiPlatformDescription {
  layout: string;
  ref: string;
  indexDigest: string;
  indexMediaType: string;
  indexSize: number;
  realImageDir: string;
  manifests: IndexedImage[];
  oracles: { otherDpkg: string };
  buildSeconds: number;
}

/** The multi-platform image: its cache folder and description. */
export interface MultiPlatformImage {
  dir: string;
  description: MultiPlatformDescription;
}

/**
 * Pushes the one image of `source` to `registry` as `repoTag` (`repo:tag`) and returns the
 * manifest digest the registry now has. From an OCI archive or layout the digest is the
 * source's own (skopeo is told to preserve it, and fails rather than change it); a
 * docker-archive has no manifest, so skopeo writes a new Docker v2 one.
 */
export async function pushImage(
  source: string,
  scheme: SeedScheme,
  registry: RegistryTarget,
  repoTag: string,
  options: SeedOptions = {},
): Promise<string> {
  const ref = options.sourceRef === undefined ? '' : `:${options.sourceRef}`;
  return copyTo(`${scheme}:${source}${ref}`, registry, repoTag, scheme === 'docker-archive' ? [] : ['--preserve-digests'], options);
}

/**
 * Pushes the multi-platform index (building it first when the cache lacks it) to `registry`
 * as `repoTag`, with every platform's image, and returns the index digest and its images.
 */
export async function pushIndex(
  registry: RegistryTarget,
  repoTag: string,
  options: Omit<SeedOptions, 'sourceRef'> = {},
): Promise<{ digest: string; image: MultiPlatformImage }> {
  const image = loadMultiPlatformImage();
  const layout = path.join(image.dir, image.description.layout);
  const digest = await copyTo(`oci:${layout}:${image.description.ref}`, registry, repoTag, ['--all', '--preserve-digests'], options);
  return { digest, image };
}

/**
 * Builds the multi-platform image with scripts/registry/build-multi-platform-image.mjs (and the
 * real image it holds), or reuses the cache, and reads its description.
 */
export function loadMultiPlatformImage(): MultiPlatformImage {
  const dir = execFileSync(process.execPath, [path.join(REPO, 'scripts/registry/build-multi-platform-image.mjs')], {
    cwd: REPO,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1024 * 1024,
  }).trim();
  return { dir, description: JSON.parse(readFileSync(path.join(dir, 'image.json'), 'utf8')) as MultiPlatformDescription };
}

/** The `docker://` reference skopeo names `host/repo:tag` (or `@digest`) by. */
export function dockerRef(registry: RegistryTarget, repoRef: string): string {
  return `docker://${hostOf(registry)}/${repoRef}`;
}

/**
 * Runs `work` with skopeo's flags for one side of a copy (`src`/`dest`) or for inspect (no
 * side): plain HTTP towards the loopback registry, and its credentials (the registry's own user
 * unless `credentials` are given) in an auth file that exists only meanwhile, so that no
 * password appears on a command line; none for an anonymous registry.
 */
export async function withSkopeoAccess<T>(
  registry: RegistryTarget,
  credentials: RegistryCredentials | undefined,
  side: 'src' | 'dest' | undefined,
  work: (flags: string[]) => Promise<T>,
): Promise<T> {
  const prefix = side === undefined ? '--' : `--${side}-`;
  const user = credentials ?? (typeof registry === 'string' ? undefined : registry.auth);
  if (user === undefined) return work([`${prefix}tls-verify=false`, `${prefix}no-creds`]);
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'sealkit-skopeo-auth-'));
  try {
    const authFile = path.join(scratch, 'auth.json');
    const auth = Buffer.from(`${user.username}:${user.password}`).toString('base64');
    writeFileSync(authFile, JSON.stringify({ auths: { [hostOf(registry)]: { auth } } }), { mode: 0o600 });
    return await work([`${prefix}tls-verify=false`, `${prefix}authfile=${authFile}`]);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function copyTo(
  source: string,
  registry: RegistryTarget,
  repoTag: string,
  extra: string[],
  options: SeedOptions,
): Promise<string> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'sealkit-seed-'));
  const digestFile = path.join(scratch, 'digest');
  try {
    await withSkopeoAccess(registry, options.credentials, 'dest', (access) =>
      skopeo(['--insecure-policy', 'copy', '--quiet', '--retry-times', '2', ...extra, ...access,
        '--digestfile', digestFile, source, dockerRef(registry, repoTag)], options.signal),
    );
    const digest = readFileSync(digestFile, 'utf8').trim();
    if (!/^sha256:[0-9a-f]{64}$/.test(digest)) throw new Error(`skopeo wrote an unexpected digest: ${digest}`);
    return digest;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Runs skopeo; a failure's message holds its stderr. */
export async function skopeo(args: string[], signal?: AbortSignal): Promise<string> {
  try {
    const { stdout } = await run('skopeo', args, { maxBuffer: 64 * 1024 * 1024, encoding: 'utf8', ...(signal ? { signal } : {}) });
    return stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`skopeo ${args.join(' ')} failed${stderr ? `: ${stderr}` : ''}`, { cause: error });
  }
}

function hostOf(registry: RegistryTarget): string {
  return typeof registry === 'string' ? registry : registry.host;
}
