/**
 * Types of registry-server.mjs: real registries (Debian's docker-registry) on 127.0.0.1 for
 * tests and benchmarks.
 * @module
 */

/** Where Debian's package installs the registry. */
export declare const REGISTRY_BINARY: string;

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
  /** Picks the port of each attempt; {@link freePort} by default (tests of the retry pass their own). */
  choosePort?: () => Promise<number>;
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
  /** The registry's process id. */
  pid: number;
  /** The registry's output so far (its last 1 MiB at most). */
  logs(): string;
  /** Every request of the access log so far, oldest first (kept whole, unlike {@link logs}). */
  requests(): LoggedRequest[];
  /** Stops the registry (SIGTERM, then SIGKILL after 5 s) and removes its folder; idempotent. */
  stop(): Promise<void>;
}

/** Why registries cannot run on this machine (missing docker-registry, htpasswd or skopeo), or undefined. */
export declare function registryUnavailable(options?: { auth?: boolean }): string | undefined;

/** True when registry tests should be skipped: tools missing outside CI (in CI they fail instead). */
export declare function skipRegistryTests(options?: { auth?: boolean }): boolean;

/**
 * Starts a registry on a free port of 127.0.0.1 and waits until `GET /v2/` answers (401 with
 * auth, 200 without); retries another port when the chosen one was taken meanwhile.
 */
export declare function startRegistry(options?: StartRegistryOptions): Promise<RunningRegistry>;

/** A port of 127.0.0.1 that was free a moment ago. */
export declare function freePort(): Promise<number>;
