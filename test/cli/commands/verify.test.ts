import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { captureIo } from '../../support/capture-io.js';
import { CONFORMANCE, NPM_CORPUS as NPM, skipWithoutCorpus } from '../../verify/support/corpus.js';

const FIXTURES = fileURLToPath(new URL('../../../fixtures/provenance/', import.meta.url));

const GO = `${FIXTURES}slsa-go-v2.1.0/`;
const GO_DIGEST = readFileSync(`${GO}artifact.sha256`, 'utf8').trim();
const GO_BUNDLE = `${GO}binary-linux-amd64-push-v14.intoto.jsonl`;
const BEACON =
  'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const GITHUB = 'https://token.actions.githubusercontent.com';

function io() {
  return captureIo(FIXTURES);
}

describe('sealkit verify', () => {
  it('prints its help, listing the policy flags', async () => {
    const cli = io();
    expect(await main(['verify', '--help'], cli)).toBe(0);
    for (const flag of ['--certificate-identity', '--source-uri', '--source-ref', '--builder-id', '--min-level', '--json', '--trusted-root', '--key']) {
      expect(cli.out()).toContain(flag);
    }
  });

  it('exits 2 on wrong usage', async () => {
    for (const args of [
      ['verify', GO_DIGEST],
      ['verify', '--bundle', GO_BUNDLE],
      ['verify', GO_DIGEST, '--bundle', GO_BUNDLE, '--min-level', '4'],
      ['verify', GO_DIGEST, '--bundle', GO_BUNDLE, '--source-ref', 'main'],
      ['verify', GO_DIGEST, '--bundle', GO_BUNDLE, '--certificate-identity', 'a', '--certificate-identity-regexp', 'b'],
      ['verify', GO_DIGEST, '--bundle', GO_BUNDLE, '--no-such-flag'],
    ]) {
      const cli = io();
      expect(await main(args, cli), args.join(' ')).toBe(2);
      expect(cli.err()).toMatch(/sealkit verify: /);
    }
  });

  it('verifies slsa-github-generator provenance at L3 by digest and prints the checks', async () => {
    const cli = io();
    const code = await main(['verify', GO_DIGEST, '--bundle', 'slsa-go-v2.1.0/binary-linux-amd64-push-v14.intoto.jsonl', '--source-uri', 'github.com/slsa-framework/example-package', '--min-level', '3'], cli);
    expect(cli.err()).toBe('');
    expect(code).toBe(0);
    const out = cli.out();
    expect(out.split('\n')[0]).toBe(`${GO_DIGEST}: VERIFIED, SLSA Build L3 (L3 required)`);
    expect(out).toMatch(/ok {4}L3 {2}builder\.trusted/);
    expect(out).toMatch(/ok {8}source\.repository/);
    expect(out).toContain('signer: https://github.com/slsa-framework/slsa-github-generator/.github/workflows/builder_go_slsa3.yml@refs/tags/v2.1.0');
  });

  it('exits 1 when a policy fails, and --json prints the whole result anyway', async () => {
    const cli = io();
    const code = await main(['verify', GO_DIGEST, '--bundle', GO_BUNDLE, '--source-uri', 'github.com/acme/other', '--json'], cli);
    expect(code).toBe(1);
    const result = JSON.parse(cli.out()) as { verified: boolean; level: number; checks: Array<{ id: string; passed: boolean }> };
    expect(result.verified).toBe(false);
    expect(result.checks.find((c) => c.id === 'source.repository')?.passed).toBe(false);
  });

  it('exits 1 for a level not reached, naming it', async () => {
    const cli = io();
    const bcr = 'gh-attest-bcr-publish/';
    const code = await main(['verify', `${bcr}MODULE.bazel`, '--bundle', `${bcr}MODULE.bazel.intoto.jsonl`, '--source-uri', 'github.com/aspect-build/rules_lint', '--min-level', '3'], cli);
    expect(code).toBe(1);
    expect(cli.out()).toMatch(/NOT VERIFIED, SLSA Build L2 \(L3 required\)/);
    expect(cli.out()).toMatch(/FAIL {6}level\.minimum/);
    expect(cli.out()).toMatch(/no {4}L3 {2}builder\.trusted/);
  });

  it('adds a builder for L3 with --builder-id, and only at its ref when one is given', async () => {
    const bcr = 'gh-attest-bcr-publish/';
    const base = ['verify', `${bcr}MODULE.bazel`, '--bundle', `${bcr}MODULE.bazel.intoto.jsonl`, '--source-uri', 'https://github.com/aspect-build/rules_lint', '--min-level', '3'];
    const builder = 'https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml';
    expect(await main([...base, '--builder-id', builder], io())).toBe(0);
    expect(await main([...base, '--builder-id', `${builder}@refs/tags/v0.0.1`], io())).toBe(0);
    expect(await main([...base, '--builder-id', `${builder}@refs/tags/v0.0.2`], io())).toBe(1);
  });

  it('names the file and the error code when an input cannot be read', async () => {
    const cli = io();
    expect(await main(['verify', GO_DIGEST, '--bundle', 'nope.json', '--source-uri', 'github.com/a/b'], cli)).toBe(1);
    expect(cli.err()).toMatch(/^sealkit: ARTIFACT_UNREADABLE: .*nope\.json/);
  });
});

describe.skipIf(skipWithoutCorpus(CONFORMANCE, NPM))('sealkit verify on the shared corpora', () => {
  it('verifies an npm package with its registry attestations, and names a tampered one', async () => {
    const good = io();
    const base = 'provenance-npm-test-cli-v1-prega';
    expect(await main(['verify', `${NPM}${base}.tgz`, '--bundle', `${NPM}${base}.tgz.json`, '--source-uri', 'github.com/sigstore/sigstore-js', '--min-level', '2'], good)).toBe(0);
    expect(good.out()).toContain('npm.publish');
    const bad = io();
    expect(await main(['verify', `${NPM}${base}-invalidsigpub.tgz`, '--bundle', `${NPM}${base}-invalidsigpub.tgz.json`, '--source-uri', 'github.com/sigstore/sigstore-js'], bad)).toBe(1);
    expect(bad.out()).toMatch(/attestation .*invalidsigpub\.tgz\.json\[publish\]\n(.*\n)*? {2}FAIL/);
  });

  it('verify-bundle follows the conformance protocol: identity, key, trusted root, digest', async () => {
    const artifact = `${CONFORMANCE}a.txt`;
    const digest = `sha256:${createHash('sha256').update(readFileSync(artifact)).digest('hex')}`;
    const happy = `${CONFORMANCE}happy-path-v0.3/bundle.sigstore.json`;
    for (const subject of [artifact, digest]) {
      const cli = io();
      expect(await main(['verify-bundle', '--bundle', happy, '--certificate-identity', BEACON, '--certificate-oidc-issuer', GITHUB, subject], cli)).toBe(0);
    }
    // A prefix of the identity is another identity.
    const prefix = io();
    expect(await main(['verify-bundle', '--bundle', happy, '--certificate-identity', BEACON.slice(0, 60), '--certificate-oidc-issuer', GITHUB, artifact], prefix)).toBe(1);
    expect(prefix.err()).toMatch(/FAIL {6}identity\.subject/);

    const managed = `${CONFORMANCE}managed-key-and-trusted-root/`;
    const keyed = io();
    expect(await main(['verify-bundle', '--bundle', `${managed}bundle.sigstore.json`, '--key', `${managed}key.pub`, '--trusted-root', `${managed}trusted_root.json`, existsSync(`${managed}artifact`) ? `${managed}artifact` : artifact], keyed)).toBe(0);
    const unkeyed = io();
    expect(await main(['verify-bundle', '--bundle', `${managed}bundle.sigstore.json`, '--trusted-root', `${managed}trusted_root.json`, artifact], unkeyed)).toBe(1);
    expect(unkeyed.err()).toMatch(/FAIL {6}public-key/);
  });
});
