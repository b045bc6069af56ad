/**
 * Real OCI registries for tests: Debian's `docker-registry` (distribution 2.8, which has no
 * referrers API) started on 127.0.0.1 with filesystem storage in a temporary folder, either
 * anonymous or behind htpasswd (bcrypt) basic auth. Every registry started here is stopped at
 * the latest when the test process exits.
 * @module
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';

/** Where Debian's package installs the registry. */
export const REGISTRY_BINARY = '/usr/bin/docker-registry';

/** A user of an htpasswd-protected registry. */
export interface RegistryCredentials {
  username: string;
  password: string;
}

/** Options of {@link startRegistry}. */
export interface StartRegistryOptions {
  /** Protect the registry with htpasswd basic auth for this one user; anonymous when absent. */
  auth?: RegistryCredentials;
  /** How long to wait for `GET /v2/` to answer; 20 s by default. */
  readyTimeoutMs?: number;
}

/** One request of the registry's access log. */
export interface LoggedRequest {
  method: string;
  /** The request target, e.g. `/v2/repo/manifests/tag`. */
  path: string;
  status: number;
}

/** A running registry. */
export interface RunningRegistry {
  /** `127.0.0.1:PORT`, as references name the registry. */
  host: string;
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** The htpasswd user, when the registry has auth. */
  auth?: RegistryCredentials;
  /** The temporary folder holding the config, the htpasswd file and the storage. */
  dir: string;
  /** The config.yml the registry was started with. */
  configPath: string;
  /** The folder of the filesystem storage driver; tests tamper with blobs here. */
  storageDir: string;
  /** The registry's output so far (its last 1 MiB). */
  logs(): string;
  /** Every request of the access log so far, oldest first (kept whole, unlike {@link logs}). */
  requests(): LoggedRequest[];
  /** Stops the registry (SIGTERM, then SIGKILL after 5 s) and removes its folder. */
  stop(): Promise<void>;
}

const LOG_LIMIT = 1024 * 1024;
const PORT_ATTEMPTS = 5;
const live = new Set<{ child: ChildProcess; dir: string }>();
let exitHookInstalled = false;

/** Why registry tests cannot run on this machine, or undefined when they can. */
export function registryUnavailable(options: { auth?: boolean } = {}): string | undefined {
  const missing: string[] = [];
  if (!hasExecutable(REGISTRY_BINARY)) missing.push(`${REGISTRY_BINARY} (apt-get install docker-registry)`);
  if (options.auth && !onPath('htpasswd')) missing.push('htpasswd (apt-get install apache2-utils)');
  if (!onPath('skopeo')) missing.push('skopeo (apt-get install skopeo)');
  return missing.length === 0 ? undefined : `registry tests need ${missing.join(', ')}`;
}

/**
 * True when registry tests should be skipped: the tools are missing and this is not CI, where
 * a missing tool must fail the run instead. Prints why, once per call site.
 */
export function skipRegistryTests(options: { auth?: boolean } = {}): boolean {
  const reason = registryUnavailable(options);
  if (reason === undefined) return false;
  if (process.env.CI) return false;
  console.warn(`skipping registry tests: ${reason}`);
  return true;
}

/**
 * Starts a registry on a free port of 127.0.0.1 and waits until `GET /v2/` answers (401 with
 * auth, 200 without). The port is chosen by binding port 0 first; when another process takes it
 * before the registry does, another port is tried.
 */
export async function startRegistry(options: StartRegistryOptions = {}): Promise<RunningRegistry> {
  const reason = registryUnavailable({ auth: options.auth !== undefined });
  if (reason !== undefined) throw new Error(reason);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sealkit-registry-'));
  try {
    const htpasswd = options.auth ? writeHtpasswd(dir, options.auth) : undefined;
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const started = await startOn(dir, port, htpasswd, options);
      if (started !== 'address in use') return started;
      if (attempt === PORT_ATTEMPTS) throw new Error(`docker-registry found no free port in ${PORT_ATTEMPTS} attempts`);
    }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

async function startOn(
  dir: string,
  port: number,
  htpasswd: string | undefined,
  options: StartRegistryOptions,
): Promise<RunningRegistry | 'address in use'> {
  const host = `127.0.0.1:${port}`;
  const storageDir = path.join(dir, 'storage');
  const configPath = path.join(dir, 'config.yml');
  writeFileSync(configPath, stringify(registryConfig(host, storageDir, htpasswd)));
  const child = spawn(REGISTRY_BINARY, ['serve', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  const entry = { child, dir };
  live.add(entry);
  installExitHook();
  let output = '';
  const requests: LoggedRequest[] = [];
  const collect = () => {
    let partialLine = '';
    return (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output += text;
      // Keep the end: a failure's cause is logged last, and access logs grow with every request.
      if (output.length > LOG_LIMIT) output = output.slice(output.length - LOG_LIMIT / 2);
      // Requests are parsed as they come, so that trimming the output loses none of them.
      const lines = (partialLine + text).split('\n');
      partialLine = lines.pop() ?? '';
      for (const line of lines) {
        const request = parseAccessLine(line);
        if (request) requests.push(request);
      }
    };
  };
  child.stdout?.on('data', collect());
  child.stderr?.on('data', collect());
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exit = new Promise<void>((resolve) => {
    const done = (code: number | null, signal: NodeJS.Signals | null) => {
      exited ??= { code, signal };
      live.delete(entry);
      resolve();
    };
    child.once('exit', done);
    // A process that could not be spawned emits no exit.
    child.once('error', (error) => {
      output += `\nspawn error: ${error.message}\n`;
      if (child.pid === undefined) done(null, null);
    });
  });

  const url = `http://${host}`;
  const expected = htpasswd ? 401 : 200;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 20_000);
  for (;;) {
    if (exited !== undefined) {
      if (/address already in use/.test(output)) return 'address in use';
      throw new Error(`docker-registry exited (${exited.signal ?? exited.code}) before answering on ${host}:\n${tail(output)}`);
    }
    const status = await probe(`${url}/v2/`);
    if (status === expected) break;
    if (status !== undefined) {
      await terminate(child, exit);
      throw new Error(`docker-registry on ${host} answered GET /v2/ with ${status}, not ${expected}:\n${tail(output)}`);
    }
    if (Date.now() > deadline) {
      await terminate(child, exit);
      throw new Error(`docker-registry did not answer on ${host} within ${options.readyTimeoutMs ?? 20_000} ms:\n${tail(output)}`);
    }
    await sleep(50);
  }

  let stopped: Promise<void> | undefined;
  return {
    host,
    url,
    ...(options.auth ? { auth: { ...options.auth } } : {}),
    dir,
    configPath,
    storageDir,
    logs: () => output,
    requests: () => [...requests],
    stop: () => {
      stopped ??= terminate(child, exit).then(() => rmSync(dir, { recursive: true, force: true }));
      return stopped;
    },
  };
}

/** The registry's configuration: filesystem storage, deletes allowed, access log on, one user. */
function registryConfig(host: string, storageDir: string, htpasswd: string | undefined): Record<string, unknown> {
  return {
    version: 0.1,
    log: { level: 'info', accesslog: { disabled: false }, formatter: 'text' },
    storage: { filesystem: { rootdirectory: storageDir }, delete: { enabled: true }, maintenance: { uploadpurging: { enabled: false } } },
    // A fixed secret keeps the registry from warning about a generated one on every start.
    http: { addr: host, secret: randomBytes(16).toString('hex'), headers: { 'X-Content-Type-Options': ['nosniff'] } },
    ...(htpasswd ? { auth: { htpasswd: { realm: 'sealkit-test', path: htpasswd } } } : {}),
  };
}

/** Writes a bcrypt htpasswd file (the only hash the registry accepts) with apache2-utils. */
function writeHtpasswd(dir: string, { username, password }: RegistryCredentials): string {
  const result = spawnSync('htpasswd', ['-Bbn', username, password], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`htpasswd -Bbn failed: ${result.stderr || result.error?.message}`);
  const file = path.join(dir, 'htpasswd');
  writeFileSync(file, result.stdout, { mode: 0o600 });
  return file;
}

/** A port of 127.0.0.1 that was free a moment ago. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** The status of a GET, or undefined while nothing listens. */
async function probe(url: string): Promise<number | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await response.body?.cancel();
    return response.status;
  } catch {
    return undefined;
  }
}

async function terminate(child: ChildProcess, exit: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = sleep(5000).then(() => 'timeout' as const);
  if ((await Promise.race([exit, timer])) === 'timeout') {
    child.kill('SIGKILL');
    await exit;
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // An exit handler cannot wait: registries still running are killed outright.
  process.once('exit', () => {
    for (const { child, dir } of live) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

const ACCESS_LINE = /^\S+ - \S+ \[[^\]]+\] "(\w+) (\S+) HTTP\/[\d.]+" (\d{3}) /;

function parseAccessLine(line: string): LoggedRequest | undefined {
  const match = ACCESS_LINE.exec(line);
  return match ? { method: match[1] ?? '', path: match[2] ?? '', status: Number(match[3]) } : undefined;
}

function tail(text: string, lines = 20): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

function hasExecutable(file: string): boolean {
  return spawnSync(file, ['--version'], { stdio: 'ignore' }).status === 0;
}

function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', 'command -v "$1" >/dev/null', 'sh', command]).status === 0;
}
