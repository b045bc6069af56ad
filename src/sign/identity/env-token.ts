/**
 * `SIGSTORE_ID_TOKEN`: the variable every Sigstore client reads, and the one GitLab CI fills
 * from an `id_tokens` entry.
 * @module
 */
import type { TokenSource } from './token-source.js';

/** The variable name shared by cosign, sigstore-js and sigstore-python. */
export const SIGSTORE_ID_TOKEN = 'SIGSTORE_ID_TOKEN';

/** Reads the token from `SIGSTORE_ID_TOKEN`. */
export const envTokenSource: TokenSource = {
  id: 'env',
  label: SIGSTORE_ID_TOKEN,
  async lookup({ env }) {
    const token = env[SIGSTORE_ID_TOKEN]?.trim();
    return token ? { token } : { skipped: 'not set' };
  },
};
