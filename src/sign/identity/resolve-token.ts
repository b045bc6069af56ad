/**
 * Finds the identity token for keyless signing: the caller's own first, then the CI
 * providers in a fixed order, and checks it before anything else happens.
 * @module
 */
import { SigningError } from '../../errors.js';
import type { HttpPolicy } from '../http-policy.js';
import { buildkiteTokenSource } from './buildkite.js';
import { envTokenSource } from './env-token.js';
import { githubActionsTokenSource } from './github-actions.js';
import { gitlabTokenSource } from './gitlab.js';
import { checkIdentityToken, type TokenClaims } from './token-claims.js';
import type { TokenSource } from './token-source.js';

/** The audience Fulcio expects of public-good tokens. */
export const DEFAULT_AUDIENCE = 'sigstore';

/** The sources tried after an explicit token, in order. */
export const TOKEN_SOURCES: readonly TokenSource[] = [
  envTokenSource,
  githubActionsTokenSource,
  buildkiteTokenSource,
  gitlabTokenSource,
];

/** A token ready to be exchanged for a certificate. */
export interface ResolvedIdentity {
  token: string;
  /** `option`, or the {@link TokenSource.id} it came from. */
  source: string;
  /** The source as named in messages. */
  sourceLabel: string;
  claims: TokenClaims;
}

/** Options of {@link resolveIdentityToken}. */
export interface ResolveIdentityOptions {
  identityToken?: string;
  audience?: string;
  env?: NodeJS.ProcessEnv;
  http: HttpPolicy;
  signal?: AbortSignal;
}

/**
 * Returns the first token found and checked. When none is found the error lists every
 * source and why it had none.
 */
export async function resolveIdentityToken(options: ResolveIdentityOptions): Promise<ResolvedIdentity> {
  const audience = options.audience ?? DEFAULT_AUDIENCE;
  if (options.identityToken !== undefined) {
    const token = options.identityToken.trim();
    if (!token) throw new SigningError('IDENTITY_TOKEN_INVALID', 'the identityToken option is empty');
    const sourceLabel = 'the identityToken option';
    return { token, source: 'option', sourceLabel, claims: checkIdentityToken(token, audience, sourceLabel) };
  }
  const context = { env: options.env ?? process.env, audience, http: options.http, signal: options.signal };
  const tried = ['identityToken option: not given'];
  for (const source of TOKEN_SOURCES) {
    const found = await source.lookup(context);
    if ('token' in found) {
      const claims = checkIdentityToken(found.token, audience, source.label);
      return { token: found.token, source: source.id, sourceLabel: source.label, claims };
    }
    tried.push(`${source.label}: ${found.skipped}`);
  }
  throw new SigningError(
    'IDENTITY_TOKEN_MISSING',
    `no identity token found for keyless signing (pass one, or sign with a key); tried, in order: ${tried.join('; ')}`,
    { details: { tried } },
  );
}
