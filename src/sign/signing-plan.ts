/**
 * Everything decided before the first byte is hashed: keyless or key-based, which signer,
 * which services, and (for keyless) the identity token, so that a missing token or a bad
 * key fails in a second rather than after hashing gigabytes.
 * @module
 */
import { UsageError } from '../errors.js';
import { resolveIdentityToken, type ResolvedIdentity } from './identity/resolve-token.js';
import { resolveServices, type ResolvedServices } from './services.js';
import type { SigningOptions } from './sign-options.js';
import { CallbackSigner } from './signers/callback-signer.js';
import { KeySigner } from './signers/key-signer.js';
import { loadPrivateKey } from './signers/private-key.js';
import type { MessageSigner } from './signers/signer.js';

/** The decisions of one signing call. */
export interface SigningPlan {
  signer: MessageSigner;
  services: ResolvedServices;
  /** The checked identity token, for keyless signing. */
  identity: ResolvedIdentity | undefined;
}

/** Validates `options` and prepares the signer, the services and the identity. */
export async function planSigning(options: SigningOptions): Promise<SigningPlan> {
  if (options === null || typeof options !== 'object') throw new UsageError('INVALID_ARGUMENT', 'options must be an object');
  if (options.key !== undefined && options.signer !== undefined) {
    throw new UsageError('INVALID_ARGUMENT', 'give either key or signer, not both');
  }
  const keyless = options.key === undefined && options.signer === undefined;
  if (!keyless && options.identityToken !== undefined) {
    throw new UsageError('INVALID_ARGUMENT', 'an identity token is for keyless signing; it cannot be combined with a key');
  }
  if (keyless && options.keyHint !== undefined) {
    throw new UsageError('INVALID_ARGUMENT', 'keyHint names a key; keyless signing has none');
  }

  let signer: MessageSigner;
  if (options.key !== undefined) {
    const { privateKey, algorithm } = loadPrivateKey(options.key, options.passphrase);
    signer = new KeySigner(privateKey, algorithm, options.keyHint);
  } else if (options.signer !== undefined) {
    signer = new CallbackSigner(options.keyHint === undefined ? options.signer : { ...options.signer, keyHint: options.keyHint });
  } else {
    signer = KeySigner.ephemeral();
  }

  const services = await resolveServices(options, keyless);
  let identity: ResolvedIdentity | undefined;
  if (keyless) {
    options.onProgress?.({ stage: 'identity' });
    identity = await resolveIdentityToken({
      identityToken: options.identityToken,
      audience: options.audience,
      env: options.env,
      http: services.http,
      signal: options.signal,
    });
  }
  return { signer, services, identity };
}
