/**
 * Trust material that ships inside sealkit so that verification needs no network: the Sigstore
 * public-good trusted root and the npm registry's signing keys, as published in the Sigstore
 * TUF repository. `source.json` records where and when they were taken;
 * `scripts/trust/refresh-embedded-trust.mjs` refreshes them.
 * @module
 */
import npmRegistryKeys from './embedded/npm-registry-keys.json' with { type: 'json' };
import publicGoodTrustedRoot from './embedded/public-good-trusted-root.json' with { type: 'json' };
import source from './embedded/source.json' with { type: 'json' };

/** The Sigstore public-good `trusted_root.json` (Fulcio, Rekor, CT log and TSA keys). */
export const PUBLIC_GOOD_TRUSTED_ROOT: Readonly<Record<string, unknown>> = publicGoodTrustedRoot;

/** The npm registry's keys document (`registry.npmjs.org/keys.json` from the Sigstore TUF repository). */
export const NPM_REGISTRY_KEYS: Readonly<{ keys: unknown[] }> = npmRegistryKeys;

/** Where the embedded trust material came from, and when. */
export const EMBEDDED_TRUST_SOURCE: Readonly<{ takenAt: string; method: string; tufRootVersion: number }> = source;
