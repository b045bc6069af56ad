/**
 * Reads the claims of an OIDC identity token and checks what would make Fulcio refuse it,
 * before any artifact is hashed: expiry, audience, a subject. The signature of the token is
 * Fulcio's to check; sealkit only reads it, and never puts the token itself in a message.
 * @module
 */
import { SigningError } from '../../errors.js';

/** The claims sealkit reads from an identity token. */
export interface TokenClaims {
  issuer: string;
  /** What Fulcio puts in the certificate: `email` when present, else `sub`. */
  subject: string;
  audience: string[];
  /** Expiry, seconds since the epoch. */
  expiresAt: number;
  /** Every claim, for callers that want more (e.g. `repository`, `ref`). */
  raw: Record<string, unknown>;
}

/** Clock skew tolerated between this machine and the token issuer. */
const LEEWAY_SECONDS = 60;

/** Decodes `token` and checks it can be exchanged for a certificate now. */
export function checkIdentityToken(token: string, audience: string, source: string, now = Date.now()): TokenClaims {
  const claims = decode(token, source);
  const nowSeconds = Math.floor(now / 1000);

  const exp = claims.exp;
  if (typeof exp !== 'number') throw invalid(source, 'it has no "exp" (expiry) claim');
  assertUnexpired(exp, source, now);
  if (typeof claims.nbf === 'number' && claims.nbf > nowSeconds + LEEWAY_SECONDS) {
    throw invalid(source, `it is not valid before ${new Date(claims.nbf * 1000).toISOString()}; is this machine's clock right?`);
  }

  const aud = typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud.map(String) : [];
  if (!aud.includes(audience)) {
    throw new SigningError(
      'IDENTITY_TOKEN_AUDIENCE',
      `the identity token from ${source} is for audience ${aud.length ? aud.map((a) => JSON.stringify(a)).join(', ') : '(none)'}, not "${audience}"; request it with audience "${audience}"`,
      { details: { source, audience: aud, expected: audience } },
    );
  }

  if (typeof claims.iss !== 'string' || claims.iss === '') throw invalid(source, 'it has no "iss" (issuer) claim');
  let subject: unknown = claims.sub;
  if (claims.email !== undefined) {
    // Fulcio certifies the email when there is one, and only a verified one.
    if (claims.email_verified !== true) throw invalid(source, 'its email is not verified by the issuer');
    subject = claims.email;
  }
  if (typeof subject !== 'string' || subject === '') throw invalid(source, 'it has neither "email" nor "sub"');

  return { issuer: claims.iss, subject, audience: aud, expiresAt: exp, raw: claims };
}

/** Throws IDENTITY_TOKEN_EXPIRED when `expiresAt` (seconds since the epoch) has passed. */
export function assertUnexpired(expiresAt: number, source: string, now = Date.now()): void {
  if (expiresAt <= Math.floor(now / 1000)) {
    throw new SigningError(
      'IDENTITY_TOKEN_EXPIRED',
      `the identity token from ${source} expired at ${new Date(expiresAt * 1000).toISOString()}; CI tokens live minutes: request it right before signing`,
      { details: { source, expiredAt: expiresAt } },
    );
  }
}

function decode(token: string, source: string): Record<string, unknown> {
  const parts = token.trim().split('.');
  if (parts.length !== 3 || !parts[1]) throw invalid(source, 'it is not a JWT (three base64url parts separated by dots)');
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) throw new Error('claims are not an object');
    return claims as Record<string, unknown>;
  } catch (error) {
    throw invalid(source, `its claims cannot be read: ${(error as Error).message}`, error);
  }
}

function invalid(source: string, reason: string, cause?: unknown): SigningError {
  return new SigningError('IDENTITY_TOKEN_INVALID', `the identity token from ${source} is unusable: ${reason}`, {
    cause,
    details: { source },
  });
}
