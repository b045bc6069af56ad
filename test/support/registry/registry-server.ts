/**
 * Real OCI registries for tests: Debian's `docker-registry` (distribution 2.8, no referrers API)
 * on 127.0.0.1, anonymous or behind htpasswd. The implementation lives in
 * scripts/registry/registry-server.mjs so that benchmarks start the same registries.
 * @module
 */
export {
  REGISTRY_BINARY,
  freePort,
  registryUnavailable,
  skipRegistryTests,
  startRegistry,
  type LoggedRequest,
  type RegistryCredentials,
  type RunningRegistry,
  type StartRegistryOptions,
} from '../../../scripts/registry/registry-server.mjs';
