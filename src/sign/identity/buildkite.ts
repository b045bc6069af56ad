/**
 * Buildkite: the agent mints OIDC tokens for the running job with
 * `buildkite-agent oidc request-token --audience <aud>`.
 * @module
 */
import { execFile } from 'node:child_process';
import { SigningError } from '../../errors.js';
import type { TokenSource } from './token-source.js';

/** Asks the Buildkite agent for an OIDC token. */
export const buildkiteTokenSource: TokenSource = {
  id: 'buildkite',
  label: 'Buildkite',
  async lookup({ env, audience, http, signal }) {
    if (env.BUILDKITE !== 'true') return { skipped: 'BUILDKITE is not "true"' };
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        'buildkite-agent',
        ['oidc', 'request-token', '--audience', audience],
        { env, timeout: http.timeout, signal, maxBuffer: 1024 * 1024 },
        (error, out, err) => (error ? reject(Object.assign(error, { stderr: String(err) })) : resolve(String(out))),
      );
    }).catch((error: NodeJS.ErrnoException & { stderr?: string }) => {
      const reason =
        error.code === 'ENOENT'
          ? 'buildkite-agent is not on PATH'
          : (error.stderr?.trim() || error.message).split('\n')[0];
      throw new SigningError('IDENTITY_PROVIDER_FAILED', `cannot get an identity token from Buildkite: ${reason}`, {
        cause: error,
      });
    });
    const token = stdout.trim();
    if (!token) {
      throw new SigningError('IDENTITY_PROVIDER_FAILED', 'cannot get an identity token from Buildkite: the agent printed nothing');
    }
    return { token };
  },
};
