/**
 * The caller's policy, checked once: usage errors for what cannot be meant, and identity
 * patterns that match the whole subject or nothing.
 */
import { describe, expect, it } from 'vitest';
import { isSealkitError } from '../../../src/errors.js';
import { normalizePolicy, type VerificationPolicy } from '../../../src/verify/policy/verification-policy.js';

const SUBJECT = 'https://github.com/acme/widget/.github/workflows/release.yml@refs/heads/main';

function usageError(policy: unknown): string {
  try {
    normalizePolicy(policy as VerificationPolicy, 0);
  } catch (error) {
    expect(isSealkitError(error, 'INVALID_ARGUMENT')).toBe(true);
    return (error as Error).message;
  }
  throw new Error(`no usage error for ${JSON.stringify(policy)}`);
}

describe('normalizePolicy: usage errors', () => {
  it.each<[string, unknown, string]>([
    ['not an object', null, 'must be an object'],
    ['identity and pattern together', { certificateIdentity: SUBJECT, certificateIdentityPattern: '.*' }, 'not both'],
    ['an empty identity', { certificateIdentity: '  ' }, 'certificateIdentity must be a non-empty string'],
    ['an identity that is not a string', { certificateIdentity: 42 }, 'certificateIdentity must be a non-empty string'],
    ['a repository without owner', { sourceRepository: 'github.com' }, 'is not host/owner/repo'],
    ['an empty repository', { sourceRepository: '' }, 'sourceRepository must be a non-empty string'],
    ['a short ref', { sourceRef: 'main' }, 'refs/heads/main or refs/tags/main'],
    ['an empty issuer', { certificateIssuer: '' }, 'certificateIssuer must be a non-empty string'],
    ['minLevel 4', { minLevel: 4 }, 'minLevel must be 0, 1, 2 or 3'],
    ['minLevel as text', { minLevel: '3' }, 'minLevel must be 0, 1, 2 or 3'],
    ['builderIds not a list', { builderIds: 'https://github.com/a/b' }, 'builderIds must be a list'],
    ['a builder id that is not https', { builderIds: ['http://github.com/a/b/.github/workflows/x.yml'] }, 'builderIds must be a list of https://'],
    ['an invalid pattern', { certificateIdentityPattern: '(' }, 'not a valid regular expression'],
    ['a pattern that is neither text nor a RegExp', { certificateIdentityPattern: 5 }, 'must be a string or a RegExp'],
  ])('%s', (_name, policy, message) => {
    expect(usageError(policy)).toContain(message);
  });

  it('defaults: minLevel from the caller, no issuer without a platform host', () => {
    expect(normalizePolicy({}, 1)).toEqual({
      identity: undefined,
      identityPattern: undefined,
      issuer: undefined,
      sourceRepository: undefined,
      sourceRef: undefined,
      builderIds: [],
      minLevel: 1,
    });
    expect(normalizePolicy({ minLevel: 0 }, 1).minLevel).toBe(0);
  });

  it('the issuer is inferred for github.com and gitlab.com only, and an explicit one wins', () => {
    expect(normalizePolicy({ sourceRepository: 'https://github.com/acme/widget' }, 0).issuer).toEqual({ value: 'https://token.actions.githubusercontent.com', inferred: true });
    expect(normalizePolicy({ sourceRepository: 'gitlab.com/group/sub/project' }, 0).issuer).toEqual({ value: 'https://gitlab.com', inferred: true });
    expect(normalizePolicy({ sourceRepository: 'gitlab.example.com/group/project' }, 0).issuer).toBeUndefined();
    expect(normalizePolicy({ sourceRepository: 'GitHub.com/acme/widget', certificateIssuer: 'https://issuer.example' }, 0).issuer).toEqual({ value: 'https://issuer.example', inferred: false });
  });

  it('the repository is normalized once: scheme, .git and trailing slash dropped, host lower-cased, path case kept', () => {
    expect(normalizePolicy({ sourceRepository: 'https://GitHub.com/Acme/Widget.git/' }, 0).sourceRepository).toBe('github.com/Acme/Widget');
    expect(normalizePolicy({ sourceRepository: 'git+https://github.com/acme/widget' }, 0).sourceRepository).toBe('github.com/acme/widget');
  });
});

describe('identity patterns match the whole subject', () => {
  const matches = (pattern: string | RegExp, subject = SUBJECT) => normalizePolicy({ certificateIdentityPattern: pattern }, 0).identityPattern!.test(subject);

  it('a pattern matching only a prefix of the subject does not match', () => {
    expect(matches('https://github.com/acme/widget/')).toBe(false);
    expect(matches(/https:\/\/github\.com\/acme\/widget\//)).toBe(false);
    expect(matches('https://github.com/acme/widget/.*')).toBe(true);
  });

  it('a pattern matching only a suffix or the middle does not match', () => {
    expect(matches('refs/heads/main')).toBe(false);
    expect(matches('acme/widget')).toBe(false);
  });

  it('alternatives stay inside the anchors', () => {
    // Unanchored per alternative, `a|b` would accept any subject that starts with a or ends with b.
    expect(matches('https://github.com/acme/other/.*|x')).toBe(false);
    expect(matches('x|https://github.com/acme/widget/.*')).toBe(true);
    expect(matches(`x|${SUBJECT.slice(0, 20)}`)).toBe(false);
  });

  it('the g and y flags of a RegExp are dropped, so test() has no state', () => {
    const pattern = normalizePolicy({ certificateIdentityPattern: /https:\/\/github\.com\/acme\/.*/gy }, 0).identityPattern!;
    expect(pattern.flags).not.toMatch(/[gy]/);
    expect([pattern.test(SUBJECT), pattern.test(SUBJECT), pattern.test(SUBJECT)]).toEqual([true, true, true]);
  });

  it('the m flag is dropped: a subject with a line break matches only as a whole', () => {
    const pattern = normalizePolicy({ certificateIdentityPattern: /https:\/\/github\.com\/acme\/widget\/\S*/m }, 0).identityPattern!;
    expect(pattern.flags).not.toContain('m');
    expect(pattern.test(`${SUBJECT}\nhttps://evil.example/x`)).toBe(false);
    expect(pattern.test(`https://evil.example/x\n${SUBJECT}`)).toBe(false);
    expect(pattern.test(SUBJECT)).toBe(true);
  });

  it('a string pattern that closes the anchoring group is refused, not turned into a match-all', () => {
    // ^(?:a)|(?:.*)$ would match everything.
    expect(usageError({ certificateIdentityPattern: 'a)|(?:.*' })).toContain('not a valid regular expression');
    expect(usageError({ certificateIdentityPattern: 'https://github.com/acme/.*)|(.*' })).toContain('not a valid regular expression');
  });

  it('the i flag is kept when the caller asks for it', () => {
    expect(matches(/HTTPS:\/\/GITHUB\.COM\/ACME\/WIDGET\/.*/i)).toBe(true);
    expect(matches('HTTPS://GITHUB.COM/ACME/WIDGET/.*')).toBe(false);
  });
});
