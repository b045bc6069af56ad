/**
 * SLSA Build L2 asks that the build ran on a hosted build platform. A Fulcio certificate says
 * which platform's OIDC issuer vouched for the signer and, for GitHub and GitLab, whether the
 * runner was the platform's own or one the project hosts itself.
 * @module
 */
import { check, type VerificationCheck } from '../checks.js';
import type { VerifiedSigner } from '../verify-signature.js';

/** Hosted platforms: their issuer and the runner environment their own runners report. */
const HOSTED_PLATFORMS: ReadonlyArray<{ name: string; issuer: string; runner: string }> = [
  { name: 'GitHub Actions', issuer: 'https://token.actions.githubusercontent.com', runner: 'github-hosted' },
  { name: 'GitLab.com CI', issuer: 'https://gitlab.com', runner: 'gitlab-hosted' },
];

/** The `platform.hosted` check of a signer. */
export function hostedPlatformCheck(signer: VerifiedSigner, source: string): VerificationCheck {
  if (signer.kind === 'key') {
    return check('platform.hosted', false, 'signed with a key, which does not say where the build ran', source);
  }
  const { issuer, runnerEnvironment } = signer.identity;
  const platform = HOSTED_PLATFORMS.find((p) => p.issuer === issuer);
  if (!platform) {
    return check('platform.hosted', false, `the issuer ${issuer ?? '(none)'} is not a known hosted build platform`, source);
  }
  if (runnerEnvironment === platform.runner) {
    return check('platform.hosted', true, `built on ${platform.name} with a ${runnerEnvironment} runner`, source);
  }
  if (runnerEnvironment === undefined) {
    return check(
      'platform.hosted',
      false,
      `the certificate does not record the runner environment (certificates before 2023 lack it), so a ${platform.runner} runner is not proven`,
      source,
    );
  }
  return check('platform.hosted', false, `built on ${platform.name} with a ${runnerEnvironment} runner, not ${platform.runner}`, source);
}
