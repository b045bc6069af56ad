/** Source and workflow URIs in the forms provenance, certificates and people write them. */
import { describe, expect, it } from 'vitest';
import { normalizeConfigUri, normalizeRepository, parseGitUri, sameRepository, splitRef, withoutRef } from '../../../src/verify/provenance/source-uri.js';

describe('splitRef', () => {
  it.each([
    ['https://github.com/o/r/.github/workflows/x.yml@refs/tags/v1.2.3', 'https://github.com/o/r/.github/workflows/x.yml', 'refs/tags/v1.2.3'],
    ['https://github.com/o/r/.github/workflows/x.yml', 'https://github.com/o/r/.github/workflows/x.yml', undefined],
    ['https://user@github.com/o/r@refs/heads/main', 'https://user@github.com/o/r', 'refs/heads/main'],
    ['https://github.com/o/r@', 'https://github.com/o/r', undefined],
    ['https://github.com/o/r@sha@x', 'https://github.com/o/r', 'sha@x'],
    ['o/r/.github/workflows/x.yml@refs/heads/main', 'o/r/.github/workflows/x.yml', 'refs/heads/main'],
    ['git@github.com', 'git@github.com', undefined],
  ])('%s', (uri, location, ref) => {
    expect(splitRef(uri)).toEqual({ location, ref });
  });
});

describe('parseGitUri', () => {
  it('git+ URIs with and without a ref; anything else is not one', () => {
    expect(parseGitUri('git+https://github.com/o/r@refs/heads/main')).toEqual({ repository: 'https://github.com/o/r', ref: 'refs/heads/main' });
    expect(parseGitUri('git+https://github.com/o/r')).toEqual({ repository: 'https://github.com/o/r' });
    expect(parseGitUri('https://github.com/o/r@refs/heads/main')).toBeUndefined();
    expect(parseGitUri(undefined)).toBeUndefined();
  });
});

describe('normalizeRepository', () => {
  it.each([
    ['https://github.com/o/r', 'github.com/o/r'],
    ['git+https://github.com/o/r', 'github.com/o/r'],
    ['http://github.com/o/r', 'github.com/o/r'],
    ['github.com/o/r', 'github.com/o/r'],
    ['https://github.com/o/r.git', 'github.com/o/r'],
    ['https://github.com/o/r/', 'github.com/o/r'],
    ['https://github.com/o/r.git/', 'github.com/o/r'],
    ['https://github.com/o/r//', 'github.com/o/r'],
    ['  https://github.com/o/r  ', 'github.com/o/r'],
    ['https://GitHub.COM/O/R', 'github.com/O/R'],
    ['GITHUB.COM', 'github.com'],
    ['https://gitlab.com/group/sub/project', 'gitlab.com/group/sub/project'],
  ])('%s -> %s', (input, normalized) => {
    expect(normalizeRepository(input)).toBe(normalized);
  });

  it('only one .git suffix and only at the end is dropped', () => {
    expect(normalizeRepository('https://github.com/o/r.git.git')).toBe('github.com/o/r.git');
    expect(normalizeRepository('https://github.com/o/r.github')).toBe('github.com/o/r.github');
    expect(normalizeRepository('https://github.com/o.git/r')).toBe('github.com/o.git/r');
  });
});

describe('sameRepository', () => {
  it('spellings of one repository are the same; other repositories, prefixes and path case are not', () => {
    expect(sameRepository('https://github.com/o/r', 'git+https://github.com/o/r.git')).toBe(true);
    expect(sameRepository('https://github.com/o/r', 'https://github.com/o/r2')).toBe(false);
    expect(sameRepository('https://github.com/o/r', 'https://github.com/o/r/sub')).toBe(false);
    expect(sameRepository('https://github.com/o/r', 'https://github.com/O/r')).toBe(false);
    expect(sameRepository('https://github.com/o/r', 'https://gitlab.com/o/r')).toBe(false);
    expect(sameRepository(undefined, undefined)).toBe(false);
    expect(sameRepository('https://github.com/o/r', undefined)).toBe(false);
  });
});

describe('normalizeConfigUri', () => {
  it("GitLab's // and GitHub's / compare equal; the ref is kept and compared", () => {
    expect(normalizeConfigUri('https://gitlab.com/g/p//.gitlab-ci.yml@refs/heads/main')).toBe('gitlab.com/g/p/.gitlab-ci.yml@refs/heads/main');
    expect(normalizeConfigUri('https://github.com/o/r/.github/workflows/x.yml@refs/tags/v1')).toBe('github.com/o/r/.github/workflows/x.yml@refs/tags/v1');
    expect(normalizeConfigUri('https://github.com/o/r/.github/workflows/x.yml')).toBe('github.com/o/r/.github/workflows/x.yml');
    expect(normalizeConfigUri('https://github.com/o/r/.github/workflows/x.yml@refs/tags/v1')).not.toBe(normalizeConfigUri('https://github.com/o/r/.github/workflows/x.yml@refs/tags/v2'));
  });

  it('withoutRef drops the ref only', () => {
    expect(withoutRef('https://github.com/o/r/.github/workflows/x.yml@refs/tags/v1')).toBe('https://github.com/o/r/.github/workflows/x.yml');
  });
});
