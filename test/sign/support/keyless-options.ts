import { mintIdentityToken } from './identity-token.js';
import type { SigstoreStack } from './sigstore-stack.js';

/**
 * Keyless signing options against a local stack: a fresh test token, the stack's Fulcio and
 * Rekor, short retry delays, and `env: {}` so the machine's own CI variables stay out.
 */
export function keylessOptions(stack: SigstoreStack, extra: Record<string, unknown> = {}) {
  return { identityToken: mintIdentityToken(), ...stack.services, env: {}, retryDelay: 5, ...extra };
}
