/**
 * Keyless signing's certificate: `@sigstore/sign`'s Fulcio client proves possession of the
 * signer's key (by signing the token subject) and returns a short-lived certificate for it.
 * @module
 */
import { FulcioSigner, type Signer as SigstoreSigner } from '@sigstore/sign';
import type { HttpPolicy } from '../http-policy.js';
import { sigstoreFetchOptions } from '../http-policy.js';
import { toServiceError, type ServiceRef } from '../service-errors.js';
import { signMessage, type MessageSigner } from './signer.js';

/**
 * Returns the PEM certificate Fulcio at `fulcio` issues for `signer`'s key and the identity
 * of `identityToken`.
 */
export async function requestSigningCertificate(
  signer: MessageSigner,
  identityToken: string,
  fulcio: ServiceRef,
  http: HttpPolicy,
): Promise<string> {
  // FulcioSigner signs the challenge and then the data it is given with this key holder.
  // Fulcio checks the proof of possession with the hash the registry pairs with the key.
  const hash = signer.messageHash ?? 'sha256';
  const keyHolder: SigstoreSigner = {
    sign: async (data) => ({
      signature: await signMessage(signer, data, hash),
      key: { $case: 'publicKey', publicKey: signer.publicKeyPem },
    }),
  };
  const client = new FulcioSigner({
    fulcioBaseURL: fulcio.url,
    identityProvider: { getToken: async () => identityToken },
    keyHolder,
    ...sigstoreFetchOptions(http),
  });
  try {
    // The artifact was already signed while it was hashed; only the certificate is needed,
    // so FulcioSigner's own signature is made over an empty message and dropped.
    const { key } = await client.sign(Buffer.alloc(0));
    if (key.$case !== 'x509Certificate') throw new Error('Fulcio returned no certificate');
    return key.certificate;
  } catch (error) {
    // Never pass @sigstore/sign's message through for token errors: it quotes the token.
    throw toServiceError(error, fulcio, http);
  }
}
