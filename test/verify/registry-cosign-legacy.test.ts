/**
 * A real cosign signature in the older `.sig` layout, as cosign 2 pushed it to Docker Hub for
 * docker.io/salrashid123/server_image@sha256:d454b76c… (keyless, GitHub login, logged in the
 * public-good Rekor), published with its manifest and Rekor entry in the README of the
 * salrashid123/go-bazel-github-workflow repository. The chain annotation is left out (the
 * trusted root holds the intermediate); the payload is the simple-signing document whose SHA-256
 * is the layer digest and the hash in the Rekor entry, and the Rekor body is the canonical
 * hashedrekord entry, whose SET must then verify. The oracle: the public-good trusted root
 * embedded in sealkit, which nobody here wrote, accepts the converted bundle; any change to
 * signature, payload, SET or certificate makes it fail.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { COSIGN_ANNOTATIONS, signatureLayerBundle, simpleSigningBinding } from '../../src/verify/cosign-legacy.js';
import { verifyBundle } from '../../src/verify/index.js';

const IMAGE_DIGEST = 'sha256:d454b76c23edb9f9abf0541257dc0e92ee9c16df25d4676ec0946f6beae12ef5';
const LAYER_DIGEST = '6be14afbacb6a74f651fe01f6b46c632ddb52954d86bfcb49ab21181c0c195b7';
const PAYLOAD = Buffer.from(
  JSON.stringify({
    critical: {
      identity: { 'docker-reference': 'index.docker.io/salrashid123/server_image' },
      image: { 'docker-manifest-digest': IMAGE_DIGEST },
      type: 'cosign container image signature',
    },
    optional: null,
  }),
);
const SIGNATURE = 'MEYCIQDQguDeI3nnyZvpZsmHOTvdyxTNwQieCLPX1fQvcJwkEQIhAOMSeOfbI5RDOgiVneEBH/8wZQOTqsNtHlORpOtqRDVQ';
const SET = 'MEUCIAQNhYJRzvfgL6XDX5Nk9jToIp1NWWJRebRX3BE6RsXjAiEA6QbQtWAzVV7ykxyNxlSy8eQ5BYw5EVVPiUGTePhR2yM=';
const CERTIFICATE = [
  '-----BEGIN CERTIFICATE-----',
  'MIIC1TCCAlugAwIBAgIUQHXOIQzxpjAFuWUPj20HGXejrUwwCgYIKoZIzj0EAwMw',
  'NzEVMBMGA1UEChMMc2lnc3RvcmUuZGV2MR4wHAYDVQQDExVzaWdzdG9yZS1pbnRl',
  'cm1lZGlhdGUwHhcNMjYwMjA1MTI1NDQ1WhcNMjYwMjA1MTMwNDQ1WjAAMFkwEwYH',
  'KoZIzj0CAQYIKoZIzj0DAQcDQgAEJ7qXFcizeXIr5skrj/1EVCSxlKo4TPl+yG2i',
  'sSpOj9gEDiZ82rBCsmnFjY+pCAA9dOSMV+RwkdDnWq7yV3vE8qOCAXowggF2MA4G',
  'A1UdDwEB/wQEAwIHgDATBgNVHSUEDDAKBggrBgEFBQcDAzAdBgNVHQ4EFgQU1S8W',
  'UXIVML98yuF5U8SFIZO6MAAwHwYDVR0jBBgwFoAU39Ppz1YkEZb5qNjpKFWixi4Y',
  'ZD8wJAYDVR0RAQH/BBowGIEWc2FscmFzaGlkMTIzQGdtYWlsLmNvbTAsBgorBgEE',
  'AYO/MAEBBB5odHRwczovL2dpdGh1Yi5jb20vbG9naW4vb2F1dGgwLgYKKwYBBAGD',
  'vzABCAQgDB5odHRwczovL2dpdGh1Yi5jb20vbG9naW4vb2F1dGgwgYoGCisGAQQB',
  '1nkCBAIEfAR6AHgAdgDdPTBqxscRMmMZHhyZZzcCokpeuN48rf+HinKALynujgAA',
  'AZwt3oprAAAEAwBHMEUCIGubCQdwlziuQop0ZXCHQVG2rGWo3VKQi+K4iM0HIfAR',
  'AiEAlQHc6v4ai2QMmUVLhvrElihd9CN1OZoDAVcAvt32vmowCgYIKoZIzj0EAwMD',
  'aAAwZQIxANFno3WCHH4v93TA+XF4MBT6lEdyiEctOC4vrtAdeSPav2r8O2R/Prus',
  '0YVSDFe+KgIwHZw5JEsbZpRX+eaoPM/CAyzf6rKuFJ0ma5DCFcvGmmlghwU2C+6Y',
  '+ge7CufqqZtj',
  '-----END CERTIFICATE-----',
].join('\n') + '\n';
const LOG_ID = 'c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d';

/** Rekor's canonical hashedrekord body (keys sorted, no spaces) for a signature over `hash`. */
function hashedrekordBody(hash: string, signature: string, certificate: string): string {
  const body = {
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm: 'sha256', value: hash } },
      signature: { content: signature, publicKey: { content: Buffer.from(certificate).toString('base64') } },
    },
  };
  return Buffer.from(JSON.stringify(body)).toString('base64');
}

function annotations(overrides: { signature?: string; set?: string; certificate?: string; body?: string } = {}): Record<string, string> {
  const body = overrides.body ?? hashedrekordBody(LAYER_DIGEST, SIGNATURE, CERTIFICATE);
  return {
    [COSIGN_ANNOTATIONS.signature]: overrides.signature ?? SIGNATURE,
    [COSIGN_ANNOTATIONS.certificate]: overrides.certificate ?? CERTIFICATE,
    [COSIGN_ANNOTATIONS.bundle]: JSON.stringify({
      SignedEntryTimestamp: overrides.set ?? SET,
      Payload: { body, integratedTime: 1770296109, logIndex: 919437390, logID: LOG_ID },
    }),
  };
}

const policy = { certificateIdentity: 'salrashid123@gmail.com', certificateIssuer: 'https://github.com/login/oauth' };

async function verify(layerAnnotations: Record<string, string>, payload = PAYLOAD) {
  const converted = signatureLayerBundle({ annotations: layerAnnotations }, payload);
  if (converted.bundle === undefined) throw new Error(converted.problem);
  return verifyBundle(payload, converted.bundle, policy);
}

describe("a real cosign .sig layer, converted to a bundle", () => {
  it('the payload is the layer the manifest lists, and it names the image', () => {
    expect(createHash('sha256').update(PAYLOAD).digest('hex')).toBe(LAYER_DIGEST);
    expect(simpleSigningBinding(PAYLOAD, IMAGE_DIGEST)).toEqual({ about: 'yes' });
    expect(simpleSigningBinding(PAYLOAD, `sha256:${'0'.repeat(64)}`)).toMatchObject({ about: 'no' });
  });

  it('verifies offline against the embedded public-good root, with its identity', async () => {
    const result = await verify(annotations());
    expect(result.checks.filter((c) => !c.passed)).toEqual([]);
    expect(result.verified).toBe(true);
    expect(result.signer).toMatchObject({ kind: 'certificate', identity: { subject: 'salrashid123@gmail.com', issuer: 'https://github.com/login/oauth' } });
    const other = await verifyBundle(PAYLOAD, signatureLayerBundle({ annotations: annotations() }, PAYLOAD).bundle!, { ...policy, certificateIdentity: 'someone@example.com' });
    expect(other.verified).toBe(false);
  });

  it('fails with another payload, signature, SET or log body', async () => {
    const otherPayload = Buffer.from(PAYLOAD.toString('utf8').replace('d454', 'd455'));
    expect((await verify(annotations(), otherPayload)).verified).toBe(false);
    const flipped = `${SIGNATURE.slice(0, 20)}${SIGNATURE[20] === 'A' ? 'B' : 'A'}${SIGNATURE.slice(21)}`;
    expect((await verify(annotations({ signature: flipped }))).verified).toBe(false);
    const badSet = `${SET.slice(0, 20)}${SET[20] === 'A' ? 'B' : 'A'}${SET.slice(21)}`;
    const set = await verify(annotations({ set: badSet }));
    expect(set.verified).toBe(false);
    expect(set.checks.filter((c) => !c.passed).map((c) => c.id)).toEqual(['tlog']);
    const body = await verify(annotations({ body: hashedrekordBody('0'.repeat(64), SIGNATURE, CERTIFICATE) }));
    expect(body.verified).toBe(false);
  });

  it('a layer without a signature, or with a broken certificate or Rekor bundle, is not converted', () => {
    const none = annotations();
    delete none[COSIGN_ANNOTATIONS.signature];
    expect(signatureLayerBundle({ annotations: none }, PAYLOAD).problem).toMatch(/signature/);
    expect(signatureLayerBundle({ annotations: annotations({ certificate: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----' }) }, PAYLOAD).problem).toMatch(/certificate/);
    const rekor = { ...annotations(), [COSIGN_ANNOTATIONS.bundle]: '{"SignedEntryTimestamp":"x"' };
    expect(signatureLayerBundle({ annotations: rekor }, PAYLOAD).problem).toMatch(/Rekor/);
    expect(simpleSigningBinding(Buffer.from('{"critical":{"type":"atomic container signature"}}'), IMAGE_DIGEST)).toMatchObject({ about: 'unknown' });
  });
});
