/**
 * Where registry credentials come from: what the caller gives, else the Docker config
 * (`credHelpers`, `credsStore`, `auths`), the same file and helper programs container tools use.
 * Secrets never appear in an error message or in `details`.
 * @module
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { RegistryError } from './errors.js';
import { DEFAULT_REGISTRY } from './reference.js';
import { isRecord } from '../util/is-record.js';

/** A user name and password (or a token used as one), or an identity token for the token flow. */
export interface Credentials {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token the registry's token endpoint exchanges for access tokens. */
  identityToken?: string;
}

/**
 * Credentials per registry host (`host[:port]`, as in an {@link ImageReference}), or a function
 * returning those of a registry (`undefined`: none, the Docker config is asked next).
 */
export type CredentialSource =
  | Readonly<Record<string, Credentials>>
  | ((registry: string) => Credentials | undefined | Promise<Credentials | undefined>);

/** Finds the credentials of one registry; `undefined` means anonymous. */
export type CredentialLookup = (registry: string) => Promise<Credentials | undefined>;

interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

// The key docker.io's credentials are stored under, by history.
const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';
const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const HELPER_TIMEOUT_MS = 30_000;
const HELPER_MAX_OUTPUT = 1 << 20;
const CONFIG_MAX_BYTES = 4 << 20;

/** A client's credential lookup, and the part of it the caller gave (sent before a registry asks). */
export type ClientCredentials = CredentialLookup & { given: CredentialLookup };

/**
 * Builds the lookup a client uses: `source` first, then the Docker config in `dockerConfigDir`
 * (default `$DOCKER_CONFIG`, else `~/.docker`) unless it is `false`. Answers are cached, and
 * `source` is asked once per registry whichever of the two lookups asks first.
 */
export function credentialLookup(source: CredentialSource | undefined, dockerConfigDir?: string | false): ClientCredentials {
  const dir = dockerConfigDir === false ? undefined : (dockerConfigDir ?? process.env.DOCKER_CONFIG ?? join(homedir(), '.docker'));
  let config: Promise<DockerConfig | undefined> | undefined;
  const given = cached((registry) => explicit(source, registry));
  const lookup = cached(async (registry) => {
    const found = await given(registry);
    if (found !== undefined) return found;
    if (dir === undefined) return undefined;
    config ??= readDockerConfig(join(dir, 'config.json'));
    return fromDockerConfig(await config, registry, join(dir, 'config.json'));
  });
  return Object.assign(lookup, { given });
}

function cached(lookup: CredentialLookup): CredentialLookup {
  const cache = new Map<string, Promise<Credentials | undefined>>();
  return (registry) => {
    let found = cache.get(registry);
    if (found === undefined) {
      found = lookup(registry);
      cache.set(registry, found);
    }
    return found;
  };
}

async function explicit(source: CredentialSource | undefined, registry: string): Promise<Credentials | undefined> {
  if (source === undefined) return undefined;
  if (typeof source === 'function') return (await source(registry)) ?? undefined;
  for (const [key, value] of Object.entries(source)) {
    if (normalizeKey(key) === registry) return value;
  }
  return undefined;
}

/** Reads a Docker config file; a missing file is no config. */
export async function readDockerConfig(path: string): Promise<DockerConfig | undefined> {
  let text: string;
  try {
    const data = await readFile(path);
    if (data.length > CONFIG_MAX_BYTES) throw new Error('larger than 4 MiB');
    text = data.toString('utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new RegistryError('REGISTRY_CREDENTIALS', `cannot read the Docker config ${path}`, { cause: error, details: { path } });
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
    return parsed as DockerConfig;
  } catch {
    // The parser's message may quote the file, secrets included.
    throw new RegistryError('REGISTRY_CREDENTIALS', `the Docker config ${path} is not valid JSON`, { details: { path } });
  }
}

/** The credentials a Docker config gives `registry`: its credential helper, the store, then `auths`. */
export async function fromDockerConfig(config: DockerConfig | undefined, registry: string, path = 'config.json'): Promise<Credentials | undefined> {
  if (config === undefined) return undefined;
  const helpers = isRecord(config.credHelpers) ? config.credHelpers : {};
  const helper = Object.entries(helpers).find(([key]) => normalizeKey(key) === registry)?.[1];
  if (typeof helper === 'string' && helper !== '') return runHelper(helper, registry);
  if (typeof config.credsStore === 'string' && config.credsStore !== '') {
    const stored = await runHelper(config.credsStore, registry);
    if (stored !== undefined) return stored;
  }
  const auths = isRecord(config.auths) ? config.auths : {};
  const entry = Object.entries(auths).find(([key]) => normalizeKey(key) === registry)?.[1];
  if (!isRecord(entry)) return undefined;
  if (typeof entry.identitytoken === 'string' && entry.identitytoken !== '') {
    return { identityToken: entry.identitytoken, ...(typeof entry.username === 'string' ? { username: entry.username } : {}) };
  }
  if (typeof entry.auth === 'string' && entry.auth !== '') {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) {
      throw new RegistryError('REGISTRY_CREDENTIALS', `the Docker config ${path} has a malformed auth entry for ${registry}`, {
        details: { path, registry },
      });
    }
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (typeof entry.username === 'string' && typeof entry.password === 'string') {
    return { username: entry.username, password: entry.password };
  }
  return undefined;
}

/**
 * Asks `docker-credential-<name> get` for a registry's credentials (server URL on stdin, JSON
 * `{Username, Secret}` on stdout). A helper that knows no credentials for it answers `undefined`.
 */
export async function runHelper(name: string, registry: string): Promise<Credentials | undefined> {
  if (!HELPER_NAME.test(name)) {
    throw new RegistryError('REGISTRY_CREDENTIALS', `invalid credential helper name ${JSON.stringify(name)}`, { details: { registry } });
  }
  const program = `docker-credential-${name}`;
  const serverUrl = registry === DEFAULT_REGISTRY ? DOCKER_HUB_KEY : registry;
  const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
    const child = spawn(program, ['get'], { stdio: ['pipe', 'pipe', 'ignore'], timeout: HELPER_TIMEOUT_MS });
    const chunks: Buffer[] = [];
    let size = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > HELPER_MAX_OUTPUT) child.kill();
      else chunks.push(chunk);
    });
    child.on('error', (error) => {
      reject(new RegistryError('REGISTRY_CREDENTIALS', `cannot run the credential helper ${program} for ${registry}`, { cause: error, details: { registry, helper: program } }));
    });
    child.on('close', (exitCode, signal) => resolve({ code: signal ? -1 : exitCode, stdout: Buffer.concat(chunks).toString('utf8') }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(serverUrl);
  });
  if (code !== 0) {
    // Helpers say "credentials not found" with exit status 1; that is anonymous access.
    if (code === 1 && /not found/i.test(stdout)) return undefined;
    throw new RegistryError('REGISTRY_CREDENTIALS', `the credential helper ${program} failed for ${registry} (exit status ${code})`, {
      details: { registry, helper: program, exitCode: code },
    });
  }
  let answer: unknown;
  try {
    answer = JSON.parse(stdout);
  } catch {
    throw new RegistryError('REGISTRY_CREDENTIALS', `the credential helper ${program} answered ${registry} with something other than JSON`, {
      details: { registry, helper: program },
    });
  }
  if (!isRecord(answer) || typeof answer.Secret !== 'string' || typeof answer.Username !== 'string') {
    throw new RegistryError('REGISTRY_CREDENTIALS', `the credential helper ${program} gave no Username and Secret for ${registry}`, {
      details: { registry, helper: program },
    });
  }
  if (answer.Secret === '') return undefined;
  if (answer.Username === '<token>') return { identityToken: answer.Secret };
  return { username: answer.Username, password: answer.Secret };
}

/** A config key (`https://index.docker.io/v1/`, `ghcr.io`, `http://host:5000/v2/`) as a registry host. */
export function normalizeKey(key: string): string {
  const host = key.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? DEFAULT_REGISTRY : host;
}
