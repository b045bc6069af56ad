/**
 * Real OCI registries for tests and benchmarks: Debian's `docker-registry` (distribution 2.8,
 * which has no referrers API) started on 127.0.0.1 with filesystem storage in a temporary
 * folder, either anonymous or behind htpasswd (bcrypt) basic auth. Every registry started here
 * is stopped at the latest when the process exits. Types: registry-server.d.mts; tests import it
 * through test/support/registry/registry-server.ts.
 * @module
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';

/** Where Debian's package installs the registry. */
export const REGISTRY_BINARY = '/usr/bin/docker-registry';

const LOG_LIMIT = 1024 * 1024;
const PORT_ATTEMPTS = 5;
/** @type {Set<{ child: import('node:child_process').ChildProcess, dir: string }>} */
const live = new Set();
let exitHookInstalled = false;

/**
 * Why registries cannot run on this machine, or undefined when they can.
 * @param {{ auth?: boolean }} [options]
 */
export function registryUnavailable(options = {}) {
  const missing = [];
  if (!runs(REGISTRY_BINARY)) missing.push(`${REGISTRY_BINARY} (apt-get install docker-registry)`);
  if (options.auth && !onPath('htpasswd')) missing.push('htpasswd (apt-get install apache2-utils)');
  if (!onPath('skopeo')) missing.push('skopeo (apt-get install skopeo)');
  return missing.length === 0 ? undefined : `registry tests need ${missing.join(', ')}`;
}

/**
 * True when registry tests should be skipped: the tools are missing and this is not CI, where
 * a missing tool must fail the run instead. Prints why.
 * @param {{ auth?: boolean }} [options]
 */
export function skipRegistryTests(options = {}) {
  const reason = registryUnavailable(options);
  if (reason === undefined || process.env.CI) return false;
  console.warn(`skipping registry tests: ${reason}`);
  return true;
}

/**
 * Starts a registry on a free port of 127.0.0.1 and waits until `GET /v2/` answers (401 with
 * auth, 200 without). The port is chosen by binding port 0 first; when another process takes it
 * before the registry does, another port is tried.
 * @param {import('./registry-server.d.mts').StartRegistryOptions} [options]
 * @returns {Promise<import('./registry-server.d.mts').RunningRegistry>}
 */
export async function startRegistry(options = {}) {
  const reason = registryUnavailable({ auth: options.auth !== undefined });
  if (reason !== undefined) throw new Error(reason);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sealkit-registry-'));
  try {
    const htpasswd = options.auth ? writeHtpasswd(dir, options.auth) : undefined;
    const choosePort = options.choosePort ?? freePort;
    for (let attempt = 1; ; attempt++) {
      const started = await startOn(dir, await choosePort(), htpasswd, options);
      if (started !== 'address in use') return started;
      if (attempt === PORT_ATTEMPTS) throw new Error(`docker-registry found no free port in ${PORT_ATTEMPTS} attempts`);
    }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * @param {string} dir
 * @param {number} port
 * @param {string | undefined} htpasswd
 * @param {import('./registry-server.d.mts').StartRegistryOptions} options
 * @returns {Promise<import('./registry-server.d.mts').RunningRegistry | 'address in use'>}
 */
async function startOn(dir, port, htpasswd, options) {
  const host = `127.0.0.1:${port}`;
  const storageDir = path.join(dir, 'storage');
  const configPath = path.join(dir, 'config.yml');
  writeFileSync(configPath, stringify(registryConfig(host, storageDir, htpasswd)));
  const child = spawn(REGISTRY_BINARY, ['serve', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  const entry = { child, dir };
  live.add(entry);
  installExitHook();
  let output = '';
  /** @type {import('./registry-server.d.mts').LoggedRequest[]} */
  const requests = [];
  const collect = () => {
    let partialLine = '';
    return (/** @type {Buffer} */ chunk) => {
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
  child.stdout.on('data', collect());
  child.stderr.on('data', collect());
  /** @type {{ code: number | null, signal: NodeJS.Signals | null } | undefined} */
  let exited;
  /** @type {Promise<void>} */
  const exit = new Promise((resolve) => {
    const done = (/** @type {number | null} */ code, /** @type {NodeJS.Signals | null} */ signal) => {
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
  const timeout = options.readyTimeoutMs ?? 20_000;
  const deadline = Date.now() + timeout;
  for (;;) {
    if (exited !== undefined) {
      if (/address already in use/.test(output)) return 'address in use';
      throw new Error(`docker-registry exited (${exited.signal ?? exited.code}) before answering on ${host}:\n${tail(output)}`);
    }
    const status = await probe(`${url}/v2/`);
    if (status === expected) break;
    if (status !== undefined || Date.now() > deadline) {
      await terminate(child, exit);
      const what = status === undefined ? `did not answer within ${timeout} ms` : `answered GET /v2/ with ${status}, not ${expected}`;
      throw new Error(`docker-registry on ${host} ${what}:\n${tail(output)}`);
    }
    await sleep(50);
  }

  /** @type {Promise<void> | undefined} */
  let stopped;
  return {
    host,
    url,
    ...(options.auth ? { auth: { ...options.auth } } : {}),
    dir,
    configPath,
    storageDir,
    pid: child.pid ?? -1,
    logs: () => output,
    requests: () => [...requests],
    stop: () => {
      stopped ??= terminate(child, exit).then(() => rmSync(dir, { recursive: true, force: true }));
      return stopped;
    },
  };
}

/**
 * The registry's configuration: filesystem storage, deletes allowed, access log on, one user.
 * @param {string} host
 * @param {string} storageDir
 * @param {string | undefined} htpasswd
 */
function registryConfig(host, storageDir, htpasswd) {
  return {
    version: 0.1,
    log: { level: 'info', accesslog: { disabled: false }, formatter: 'text' },
    storage: { filesystem: { rootdirectory: storageDir }, delete: { enabled: true }, maintenance: { uploadpurging: { enabled: false } } },
    // A fixed secret keeps the registry from warning about a generated one on every start.
    http: { addr: host, secret: randomBytes(16).toString('hex'), headers: { 'X-Content-Type-Options': ['nosniff'] } },
    ...(htpasswd ? { auth: { htpasswd: { realm: 'sealkit-test', path: htpasswd } } } : {}),
  };
}

/**
 * Writes a bcrypt htpasswd file (the only hash the registry accepts) with apache2-utils.
 * @param {string} dir
 * @param {import('./registry-server.d.mts').RegistryCredentials} credentials
 */
function writeHtpasswd(dir, { username, password }) {
  const result = spawnSync('htpasswd', ['-Bbn', username, password], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`htpasswd -Bbn failed: ${result.stderr || result.error?.message}`);
  const file = path.join(dir, 'htpasswd');
  writeFileSync(file, result.stdout, { mode: 0o600 });
  return file;
}

/**
 * A port of 127.0.0.1 that was free a moment ago.
 * @returns {Promise<number>}
 */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * The status of a GET, or undefined while nothing listens.
 * @param {string} url
 */
async function probe(url) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await response.body?.cancel();
    return response.status;
  } catch {
    return undefined;
  }
}

/**
 * @param {import('node:child_process').ChildProcess} child
 * @param {Promise<void>} exit
 */
async function terminate(child, exit) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = sleep(5000).then(() => 'timeout');
  if ((await Promise.race([exit, timer])) === 'timeout') {
    child.kill('SIGKILL');
    await exit;
  }
}

function installExitHook() {
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

/** @param {string} line */
function parseAccessLine(line) {
  const match = ACCESS_LINE.exec(line);
  return match ? { method: match[1] ?? '', path: match[2] ?? '', status: Number(match[3]) } : undefined;
}

/** @param {string} text */
function tail(text, lines = 20) {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** @param {string} file */
function runs(file) {
  return spawnSync(file, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** @param {string} command */
function onPath(command) {
  return spawnSync('sh', ['-c', 'command -v "$1" >/dev/null', 'sh', command]).status === 0;
}
