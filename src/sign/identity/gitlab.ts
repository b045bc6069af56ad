/**
 * GitLab CI: tokens come from an `id_tokens` entry of the job, which GitLab exposes as a
 * variable. Sigstore clients read it as `SIGSTORE_ID_TOKEN`, so this source only applies when
 * that entry is missing, and then it says how to add it.
 * @module
 */
import { SIGSTORE_ID_TOKEN } from './env-token.js';
import type { TokenSource } from './token-source.js';

/** Reads the `id_tokens` entry of a GitLab CI job. */
export const gitlabTokenSource: TokenSource = {
  id: 'gitlab-ci',
  label: 'GitLab CI',
  async lookup({ env, audience }) {
    if (env.GITLAB_CI !== 'true') return { skipped: 'GITLAB_CI is not "true"' };
    const token = env[SIGSTORE_ID_TOKEN]?.trim();
    if (token) return { token };
    return {
      skipped: `the job has no id_tokens entry ${SIGSTORE_ID_TOKEN}: add \`id_tokens: { ${SIGSTORE_ID_TOKEN}: { aud: ${audience} } }\` to it`,
    };
  },
};
