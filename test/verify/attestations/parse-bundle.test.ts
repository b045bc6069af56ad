/**
 * Bundles by version: v0.1, v0.2, v0.3 (both media types) accepted as @sigstore/bundle
 * validates each, anything else a reason; the DSSE statement read when there is one.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseBundle } from '../../../src/verify/attestations/parse-bundle.js';
import { CONFORMANCE, caseBundleJson, clone, provenanceCase, skipWithoutCorpus } from '../support/corpus.js';

// Every test but two reads the conformance bundles; those two run without them.
const SKIP = skipWithoutCorpus(CONFORMANCE);
const conformance = (name: string) => JSON.parse(readFileSync(`${CONFORMANCE}${name}/bundle.sigstore.json`, 'utf8')) as Record<string, unknown>;

describe('versions', () => {
  it.skipIf(SKIP).each([
    ['happy-path-v0.1', '0.1'],
    ['happy-path-v0.2', '0.2'],
    ['happy-path-v0.3', '0.3'],
    ['happy-path-v0.3-new-mediaType', '0.3'],
  ])('%s is a v%s message signature', (name, version) => {
    const { bundle, problem } = parseBundle(conformance(name));
    expect(problem).toBeUndefined();
    expect(bundle).toMatchObject({ version, kind: 'message-signature', statement: undefined });
  });

  it.skipIf(SKIP)('a v0.3 DSSE bundle carries its statement', () => {
    const { bundle } = parseBundle(conformance('happy-path-intoto-in-dsse-v3'));
    expect(bundle).toMatchObject({ version: '0.3', kind: 'dsse', statementProblem: undefined, statement: { predicateType: 'https://slsa.dev/provenance/v1' } });
  });

  it('real provenance bundles of every version parse with their statement', () => {
    for (const id of ['slsa-generic-v2.1.0', 'slsa-container-based-v2.1.0', 'npm-sigstore-2.1.0-bundle-v0.1']) {
      const { bundle, problem } = parseBundle(caseBundleJson(provenanceCase(id)));
      expect(problem, id).toBeUndefined();
      expect(bundle!.statement?.predicateType, id).toMatch(/^https:\/\/slsa\.dev\/provenance\//);
    }
  });

  it.skipIf(SKIP).each([
    ['an unknown version', { mediaType: 'application/vnd.dev.sigstore.bundle+json;version=99.9' }, 'unknown bundle media type'],
    ['v0.4', { mediaType: 'application/vnd.dev.sigstore.bundle.v0.4+json' }, 'unknown bundle media type'],
    ['no media type', { mediaType: undefined }, 'unknown bundle media type undefined'],
    ['a media type that is not text', { mediaType: 3 }, 'unknown bundle media type 3'],
  ])('%s is refused', (_name, change, message) => {
    expect(parseBundle({ ...conformance('happy-path-v0.2'), ...change }).problem).toContain(message);
  });

  it.skipIf(SKIP)('the conformance unknown-version bundle is refused', () => {
    expect(parseBundle(conformance('bundle-unknown-version_fail')).problem).toContain('unknown bundle media type');
  });

  it.skipIf(SKIP)('a v0.3 bundle with a certificate chain (allowed only up to v0.2) is refused', () => {
    const v02 = conformance('happy-path-v0.2');
    expect((v02.verificationMaterial as Record<string, unknown>).x509CertificateChain).toBeDefined();
    for (const mediaType of ['application/vnd.dev.sigstore.bundle+json;version=0.3', 'application/vnd.dev.sigstore.bundle.v0.3+json']) {
      expect(parseBundle({ ...v02, mediaType }).problem).toContain('not a valid v0.3 bundle');
    }
  });

  it.skipIf(SKIP)('an empty certificate chain is refused', () => {
    expect(parseBundle(conformance('bundle-empty-certificate-chain_fail')).problem).toContain('not a valid v0.1 bundle');
  });

  it.skipIf(SKIP)('a DSSE envelope with two signatures is refused', () => {
    const json = conformance('happy-path-intoto-in-dsse-v3') as { dsseEnvelope: { signatures: unknown[] } };
    json.dsseEnvelope.signatures.push(json.dsseEnvelope.signatures[0]);
    expect(parseBundle(json).problem).toContain('signatures');
  });

  it.skipIf(SKIP)('a DSSE envelope with no signature is refused', () => {
    const json = conformance('happy-path-intoto-in-dsse-v3') as { dsseEnvelope: { signatures: unknown[] } };
    json.dsseEnvelope.signatures = [];
    expect(parseBundle(json).problem).toContain('signatures');
  });

  it.skipIf(SKIP)('a bundle with neither content is refused', () => {
    const { dsseEnvelope: _envelope, ...neither } = conformance('happy-path-intoto-in-dsse-v3');
    expect(parseBundle(neither).problem).toBeDefined();
  });

  // Protobuf's JSON reading keeps one member of a oneof and drops the other silently: sealkit
  // would verify the message signature while another tool reads the (unverified) statement
  // from the same file. A bundle that says two things is refused.
  it.skipIf(SKIP)('a bundle with both a message signature and a DSSE envelope is refused, either way round', () => {
    const dsse = conformance('happy-path-intoto-in-dsse-v3');
    const message = conformance('happy-path-v0.3');
    expect(parseBundle({ ...message, dsseEnvelope: dsse.dsseEnvelope }).problem).toContain('both');
    expect(parseBundle({ ...dsse, messageSignature: message.messageSignature }).problem).toContain('both');
  });

  it.skipIf(SKIP)('verification material with both a certificate and a public key is refused', () => {
    const message = conformance('happy-path-v0.3') as { verificationMaterial: Record<string, unknown> };
    const both = clone(message);
    both.verificationMaterial.publicKey = { hint: 'a' };
    expect(parseBundle(both).problem).toContain('both');
    const chain = conformance('happy-path-v0.2') as { verificationMaterial: Record<string, unknown> };
    expect(parseBundle({ ...chain, verificationMaterial: { ...chain.verificationMaterial, publicKey: { hint: 'a' } } }).problem).toContain('both');
  });

  it('not an object: a reason, never an exception', () => {
    for (const json of [null, 'text', 42, [], undefined]) expect(parseBundle(json).problem).toBe('it is not a JSON object');
  });

  it.skipIf(SKIP)('a DSSE bundle whose payload is not a statement keeps the bundle and says why', () => {
    const json = conformance('happy-path-intoto-in-dsse-v3') as { dsseEnvelope: { payload: string; payloadType: string } };
    json.dsseEnvelope.payloadType = 'text/plain';
    const { bundle } = parseBundle(json);
    expect(bundle).toMatchObject({ kind: 'dsse', statement: undefined, statementProblem: expect.stringContaining('"text/plain"') });
  });
});
