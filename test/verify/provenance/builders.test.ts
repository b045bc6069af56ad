/**
 * The builder table: slsa-github-generator's builders and delegators trusted at release tags
 * only, the caller's builders at any ref or the one they name.
 */
import { describe, expect, it } from 'vitest';
import { BuilderTable, DEFAULT_TRUSTED_BUILDERS } from '../../../src/verify/provenance/builders.js';

const GENERATOR = 'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/';
const generic = `${GENERATOR}generator_generic_slsa3.yml`;
const OWN = 'https://github.com/acme/build-tools/.github/workflows/build.yml';

describe('default builders', () => {
  const table = new BuilderTable([]);

  it('are trusted at a release tag, with or without a pre-release suffix', () => {
    for (const ref of ['refs/tags/v2.1.0', 'refs/tags/v1.10.0', 'refs/tags/v2.0.0-rc.1']) {
      expect(table.find(`${generic}@${ref}`, ['builder']).builder, ref).toMatchObject({ id: generic, role: 'builder', origin: 'default' });
    }
  });

  it.each(['refs/heads/main', 'refs/tags/v2', 'refs/tags/v2.1', 'refs/tags/2.1.0', 'refs/tags/v2.1.0/extra', 'f7dd8c54c2067bafc12ca7a55595d5ee9b75204a', 'refs/tags/latest'])('are not trusted at %s', (ref) => {
    const found = table.find(`${generic}@${ref}`, ['builder']);
    expect(found.builder).toBeUndefined();
    expect(found.problem).toContain('trusted only at a release tag');
  });

  it('are not trusted without a ref', () => {
    expect(table.find(generic, ['builder']).problem).toContain('ran at no ref');
  });

  it('are trusted only in their role', () => {
    const delegator = `${GENERATOR}delegator_generic_slsa3.yml@refs/tags/v2.1.0`;
    const nodejs = `${GENERATOR}builder_nodejs_slsa3.yml@refs/tags/v1.6.0`;
    expect(table.find(delegator, ['delegator']).builder?.role).toBe('delegator');
    expect(table.find(delegator, ['builder']).builder).toBeUndefined();
    expect(table.find(nodejs, ['delegated']).builder?.role).toBe('delegated');
    expect(table.find(nodejs, ['builder']).builder).toBeUndefined();
    expect(table.find(`${generic}@refs/tags/v2.1.0`, ['delegator']).builder).toBeUndefined();
  });

  it('lookalikes are not builders', () => {
    for (const uri of [
      'https://github.com/slsa-framework/slsa-github-generator-fork/.github/workflows/generator_generic_slsa3.yml@refs/tags/v2.1.0',
      'https://github.com/evil/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@refs/tags/v2.1.0',
      `${generic}x@refs/tags/v2.1.0`,
      `${GENERATOR.toUpperCase()}generator_generic_slsa3.yml@refs/tags/v2.1.0`,
      `http://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@refs/tags/v2.1.0`,
    ]) {
      expect(table.find(uri, ['builder', 'delegator', 'delegated']).builder, uri).toBeUndefined();
    }
  });

  it('the table: four builders, two delegators, three delegated builders, all at tags', () => {
    expect(DEFAULT_TRUSTED_BUILDERS.map((b) => b.role).sort()).toEqual(['builder', 'builder', 'builder', 'builder', 'delegated', 'delegated', 'delegated', 'delegator', 'delegator']);
    expect(DEFAULT_TRUSTED_BUILDERS.every((b) => b.tagsOnly && b.ref === undefined && b.id.startsWith(GENERATOR))).toBe(true);
  });
});

describe("the caller's builders", () => {
  it('without a ref: any branch or tag, and as a delegated builder too', () => {
    const table = new BuilderTable([OWN]);
    for (const ref of ['refs/heads/main', 'refs/tags/v1', 'refs/heads/release/2.x']) {
      expect(table.find(`${OWN}@${ref}`, ['builder']).builder, ref).toMatchObject({ origin: 'policy', ref: undefined });
    }
    expect(table.find(`${OWN}@refs/heads/main`, ['delegated']).builder).toBeDefined();
    expect(table.find(`${OWN}@refs/heads/main`, ['delegator']).builder).toBeUndefined();
  });

  // GitHub resolves `uses: owner/repo/...@<sha>` to a commit of any fork of the repository (an
  // "imposter commit"), and Fulcio then certifies `owner/repo/...@<sha>` as the Build Signer
  // URI: code nobody with access to the builder's repository wrote. Only refs are the
  // repository's own; a commit must be named to be trusted.
  it('without a ref: not a bare commit SHA, which may be a commit of any fork', () => {
    const table = new BuilderTable([OWN]);
    const sha = 'f7dd8c54c2067bafc12ca7a55595d5ee9b75204a';
    const found = table.find(`${OWN}@${sha}`, ['builder']);
    expect(found.builder).toBeUndefined();
    expect(found.problem).toContain('a branch or tag');
    expect(table.find(`${OWN}@${sha}`, ['delegated']).builder).toBeUndefined();
    expect(new BuilderTable([`${OWN}@${sha}`]).find(`${OWN}@${sha}`, ['builder']).builder).toMatchObject({ ref: sha });
  });

  it('with @ref: that ref only', () => {
    const table = new BuilderTable([`${OWN}@refs/tags/v1`]);
    expect(table.find(`${OWN}@refs/tags/v1`, ['builder']).builder).toMatchObject({ ref: 'refs/tags/v1' });
    const other = table.find(`${OWN}@refs/tags/v10`, ['builder']);
    expect(other.builder).toBeUndefined();
    expect(other.problem).toBe(`${OWN} ran at @refs/tags/v10, but it is trusted only at @refs/tags/v1`);
  });

  it('a default builder named by the caller at refs/heads/main is trusted there (the caller asked for it)', () => {
    const table = new BuilderTable([`${generic}@refs/heads/main`]);
    expect(table.find(`${generic}@refs/heads/main`, ['builder']).builder).toMatchObject({ origin: 'policy' });
  });

  it('another workflow of the same repository is not the builder', () => {
    const table = new BuilderTable([OWN]);
    expect(table.find('https://github.com/acme/build-tools/.github/workflows/other.yml@refs/heads/main', ['builder']).builder).toBeUndefined();
    expect(table.find('https://github.com/acme/build-tools/.github/workflows/build.yml.evil@refs/heads/main', ['builder']).builder).toBeUndefined();
  });
});
