/**
 * One place an OIDC identity token can come from. Sources are tried in a fixed order; one
 * that does not apply says why, so that "no token found" can list every reason.
 * @module
 */
import type { HttpPolicy } from '../http-policy.js';

/** What a source may use. */
export interface TokenSourceContext {
  env: NodeJS.ProcessEnv;
  /** The audience to request (for providers that mint tokens on demand). */
  audience: string;
  http: HttpPolicy;
  signal: AbortSignal | undefined;
}

/** The answer of a source: a token, or why it has none. */
export type TokenLookup = { token: string } | { skipped: string };

/** A place identity tokens come from. */
export interface TokenSource {
  /** Stable identifier reported in results, e.g. `github-actions`. */
  id: string;
  /** Human name used in messages, e.g. `GitHub Actions`. */
  label: string;
  /**
   * Returns a token or why this source has none. Throws (IDENTITY_PROVIDER_FAILED) when the
   * source applies but fails: trying the next one would only hide the real problem.
   */
  lookup(context: TokenSourceContext): Promise<TokenLookup>;
}
