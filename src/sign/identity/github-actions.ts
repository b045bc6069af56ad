/**
 * GitHub Actions: a job with `permissions: id-token: write` gets a URL and a bearer token
 * with which it can ask GitHub for an OIDC token of any audience.
 * @module
 */
import { SigningError } from '../../errors.js';
import { retryWithBackoff } from '../http-policy.js';
import { HttpStatusError, isRetryable, toServiceError } from '../service-errors.js';
import type { TokenSource } from './token-source.js';

/** Requests an OIDC token from the GitHub Actions token service. */
export const githubActionsTokenSource: TokenSource = {
  id: 'github-actions',
  label: 'GitHub Actions',
  async lookup({ env, audience, http, signal }) {
    const requestUrl = env.ACTIONS_ID_TOKEN_REQUEST_URL;
    const bearer = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
    if (!requestUrl || !bearer) {
      return {
        skipped:
          env.GITHUB_ACTIONS === 'true'
            ? 'ACTIONS_ID_TOKEN_REQUEST_URL is not set: give the job `permissions: id-token: write`'
            : 'ACTIONS_ID_TOKEN_REQUEST_URL is not set',
      };
    }
    let url: URL;
    try {
      url = new URL(requestUrl);
    } catch (error) {
      throw new SigningError('IDENTITY_PROVIDER_FAILED', 'ACTIONS_ID_TOKEN_REQUEST_URL is not a URL', { cause: error });
    }
    url.searchParams.set('audience', audience);
    const service = { name: 'GitHub Actions OIDC', url: `${url.origin}${url.pathname}` };
    try {
      const token = await retryWithBackoff(
        async (attemptSignal) => {
          const response = await fetch(url, {
            headers: { Accept: 'application/json', Authorization: `Bearer ${bearer}` },
            signal: attemptSignal,
          });
          if (!response.ok) {
            throw new HttpStatusError(response.status, (await response.text()).slice(0, 500) || response.statusText);
          }
          const body = (await response.json()) as { value?: unknown };
          if (typeof body.value !== 'string' || body.value === '') throw new Error('the answer has no "value" token');
          return body.value;
        },
        http,
        isRetryable,
        signal,
      );
      return { token };
    } catch (error) {
      const mapped = toServiceError(error, service, http);
      if (mapped.code === 'ABORTED') throw mapped;
      throw new SigningError('IDENTITY_PROVIDER_FAILED', `cannot get an identity token from GitHub Actions: ${mapped.message}`, {
        cause: error,
        details: mapped.details,
      });
    }
  },
};
