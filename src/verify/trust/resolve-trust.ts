/**
 * Turns the caller's trust options into the trust each kind of bundle is verified against:
 * the embedded public-good root unless another is given (or a TUF refresh is asked for), the
 * caller's public keys, and the npm registry keys for npm publish attestations only.
 * @module
 */
import { UsageError } from '../../errors.js';
import type { BundleTrust } from '../verify-signature.js';
import { loadPublicKeys, npmRegistryKeys, type PublicKeyInput } from './public-keys.js';
import { loadTrustedRoot, publicGoodTrustedRoot, type LoadedTrustedRoot, type TrustedRootInput } from './trusted-root.js';
import { fetchTrustedRoot, type TufRefreshOptions } from './tuf-refresh.js';

/** Where trust comes from. Without options: the Sigstore public-good root embedded in sealkit. */
export interface TrustOptions {
  /** A `trusted_root.json` (path, JSON text or bytes, or parsed) to use instead of the embedded root. */
  trustedRoot?: TrustedRootInput;
  /** Public keys trusted for key-signed bundles (PEM, `KeyObject`, or with an id and validity). */
  publicKeys?: readonly PublicKeyInput[];
  /**
   * Refresh the public-good root online through TUF before verifying (the only network use of
   * verification). `true` for the defaults, or the TUF repository options.
   */
  tuf?: boolean | TufRefreshOptions;
  /**
   * Require key-signed bundles to prove when they were signed: a transparency-log entry with
   * an integration time, or an RFC 3161 timestamp from a trusted authority. Default false
   * (air-gapped signing makes neither); whatever a bundle carries is verified regardless.
   */
  requireKeyWitness?: boolean;
}

/** The trust of one verification. */
export interface ResolvedTrust {
  /** For everything but npm publish attestations. */
  general: BundleTrust;
  /** For npm publish attestations: the npm registry's keys, logged in the root's Rekor. */
  npm: BundleTrust;
}

const refreshed = new Map<string, Promise<Record<string, unknown>>>();

/** Resolves `options`; throws `TRUST_ROOT_INVALID` or `KEY_INVALID` for unusable material. */
export async function resolveTrust(options: TrustOptions): Promise<ResolvedTrust> {
  if (options.trustedRoot !== undefined && options.tuf) {
    throw new UsageError('INVALID_ARGUMENT', 'give trustedRoot or tuf, not both');
  }
  let root: LoadedTrustedRoot;
  if (options.tuf) {
    const tuf = options.tuf === true ? {} : options.tuf;
    const key = JSON.stringify(tuf);
    // One refresh per process and repository: verifying many artifacts must not fetch per artifact.
    let pending = refreshed.get(key);
    if (!pending) {
      pending = fetchTrustedRoot(tuf);
      refreshed.set(key, pending);
      pending.catch(() => refreshed.delete(key));
    }
    root = await loadTrustedRoot(await pending);
    root = { ...root, label: `the trusted root refreshed from ${tuf.mirrorUrl ?? 'the Sigstore TUF repository'}` };
  } else {
    root = options.trustedRoot === undefined ? publicGoodTrustedRoot() : await loadTrustedRoot(options.trustedRoot);
  }
  const keys = options.publicKeys === undefined ? [] : loadPublicKeys(options.publicKeys);
  return {
    general: {
      material: root.material,
      keys,
      strictHint: false,
      allowCertificates: true,
      keyWitness: options.requireKeyWitness ? 'timestamp' : 'none',
      rootLabel: root.label,
    },
    npm: {
      material: root.material,
      keys: npmRegistryKeys(),
      strictHint: true,
      allowCertificates: false,
      keyWitness: 'tlog',
      rootLabel: root.label,
    },
  };
}
