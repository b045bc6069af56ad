import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { githubActionsProvenance } from '../../../src/attest/ci/github-actions.js';
import { gitlabCiProvenance } from '../../../src/attest/ci/gitlab-ci.js';
import { attestCommand } from '../../../src/cli/commands/attest.js';
import { main } from '../../../src/cli/main.js';
import { UsageError } from '../../../src/errors.js';
import { GITHUB_ENV, GITLAB_ENV } from '../../attest/support/ci-env.js';
import { EMPTY_TRUSTED_ROOT, TEST_ISSUER, TEST_SUBJECT, mintIdentityToken, startSigstoreStack, verifyBundle, type SigstoreStack } from '../../sign/support/index.js';
import { captureIo } from '../../support/capture-io.js';

let stack: SigstoreStack;
let dir: string;
const app = Buffer.from('app tarball');
const lib = Buffer.from('lib tarball');
const hex = (algorithm: string, data: Buffer) => createHash(algorithm).update(data).digest('hex');
const imageDigest = 'e'.repeat(64);
const explicit = {
  buildType: 'https://ci.acme.example/buildtypes/pipeline/v1',
  builderId: 'https://ci.acme.example/builders/linux',
  invocationId: 'https://ci.acme.example/jobs/9',
};

beforeAll(async () => {
  stack = await startSigstoreStack();
  dir = await mkdtemp(join(tmpdir(), 'sealkit-cli-provenance-'));
  await writeFile(join(dir, 'app.tgz'), app);
  await writeFile(join(dir, 'lib.tgz'), lib);
  await writeFile(join(dir, 'explicit.json'), JSON.stringify(explicit));
  await writeFile(join(dir, 'bad-explicit.json'), JSON.stringify({ buildType: 'nope', builderId: explicit.builderId }));
  await writeFile(join(dir, 'not-json.json'), '{ buildType');
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await writeFile(join(dir, 'p256.pem'), privateKey.export({ format: 'pem', type: 'pkcs8' }));
});
afterAll(async () => {
  await stack.close();
  await rm(dir, { recursive: true, force: true });
});

function io(env: NodeJS.ProcessEnv = {}) {
  return captureIo(dir, env);
}

function statementOf(bundle: { dsseEnvelope: { payload: string } }) {
  return JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString()) as {
    subject: { name: string; digest: Record<string, string> }[];
    predicateType: string;
    predicate: { runDetails: { builder: { id: string } } };
  };
}

const services = () => ['--fulcio-url', stack.fulcio.url, '--rekor-url', stack.rekor.url];

describe('sealkit attest', () => {
  it('prints its help, also through the dispatcher', async () => {
    const cli = io();
    expect(await attestCommand.run(['-h'], cli)).toBe(0);
    expect(cli.out()).toContain('Usage: sealkit attest <file>... --bundle <out>');
    expect(cli.out()).toContain('--identity-token');
    const viaMain = io();
    expect(await main(['attest', '--help'], viaMain)).toBe(0);
    expect(viaMain.out()).toContain('Usage: sealkit attest <file>...');
    const overview = io();
    expect(await main(['--help'], overview)).toBe(0);
    expect(overview.out()).toMatch(/\n {2}attest +Sign SLSA provenance/);
  });

  it('attests files in GitHub Actions keyless; the bundle verifies and holds GitHub provenance', async () => {
    const cli = io({ ...GITHUB_ENV, SIGSTORE_ID_TOKEN: mintIdentityToken() });
    const args = ['app.tgz', 'lib.tgz', '--subject-name', 'pkg:npm/lib@1.0.0', '--bundle', 'provenance.sigstore.json', ...services()];
    expect(await attestCommand.run(args, cli)).toBe(0);
    const bundle = JSON.parse(await readFile(join(dir, 'provenance.sigstore.json'), 'utf8'));
    verifyBundle(bundle, { trustedRoot: stack.trustedRoot, identity: { subject: TEST_SUBJECT, issuer: TEST_ISSUER } });
    const statement = statementOf(bundle);
    expect(statement.subject).toStrictEqual([
      { name: 'app.tgz', digest: { sha256: hex('sha256', app) } },
      { name: 'pkg:npm/lib@1.0.0', digest: { sha256: hex('sha256', lib) } },
    ]);
    expect(statement.predicateType).toBe('https://slsa.dev/provenance/v1');
    expect(statement.predicate).toStrictEqual(githubActionsProvenance(GITHUB_ENV));
    expect(cli.out()).toContain(`attested SLSA provenance (github-actions, builder https://github.com/${GITHUB_ENV.GITHUB_WORKFLOW_REF})`);
    expect(cli.out()).toContain(`  subject: pkg:npm/lib@1.0.0 sha256:${hex('sha256', lib)}`);
    expect(cli.out()).toContain('  bundle: provenance.sigstore.json');
  });

  it('attests in GitLab CI with a key, sha512 and a named digest, to standard output', async () => {
    const cli = io({ ...GITLAB_ENV });
    const args = [
      'app.tgz',
      '--digest', `sha512:${hex('sha512', lib)}`, '--subject-name', 'lib.tgz',
      '--digest', `sha256:${imageDigest}`, '--subject-name', 'registry.gitlab.com/acme/widget',
      '--digest-algorithm', 'sha512',
      '--key', 'p256.pem', '--bundle', '-',
    ];
    expect(await attestCommand.run(args, cli)).toBe(0);
    const bundle = JSON.parse(cli.out());
    const statement = statementOf(bundle);
    expect(statement.subject).toStrictEqual([
      { name: 'app.tgz', digest: { sha512: hex('sha512', app) } },
      { name: 'lib.tgz', digest: { sha512: hex('sha512', lib) } },
      { name: 'registry.gitlab.com/acme/widget', digest: { sha256: imageDigest } },
    ]);
    expect(statement.predicate).toStrictEqual(gitlabCiProvenance(GITLAB_ENV));
    const hint = bundle.verificationMaterial.publicKey.hint as string;
    const publicKey = createPublicKey(await readFile(join(dir, 'p256.pem'), 'utf8')).export({ format: 'pem', type: 'spki' }).toString();
    verifyBundle(bundle, { trustedRoot: EMPTY_TRUSTED_ROOT, publicKeys: { [hint]: publicKey }, tlogThreshold: 0, timestampThreshold: 0 });
  });

  it('attests with explicit provenance outside CI, and with both digest algorithms', async () => {
    const cli = io({ SIGSTORE_ID_TOKEN: mintIdentityToken() });
    const args = ['app.tgz', '--provenance', 'explicit.json', '--digest-algorithm', 'sha256,sha512', '--bundle', '-', ...services()];
    expect(await attestCommand.run(args, cli)).toBe(0);
    const statement = statementOf(JSON.parse(cli.out()));
    expect(statement.subject).toStrictEqual([{ name: 'app.tgz', digest: { sha256: hex('sha256', app), sha512: hex('sha512', app) } }]);
    expect(statement.predicate).toStrictEqual({
      buildDefinition: { buildType: explicit.buildType, externalParameters: {} },
      runDetails: { builder: { id: explicit.builderId }, metadata: { invocationId: explicit.invocationId } },
    });
  });

  it('exits 1 naming PROVENANCE_ENVIRONMENT_UNKNOWN outside CI, and PROVENANCE_ENVIRONMENT_INVALID for a missing variable', async () => {
    const outside = io({ SIGSTORE_ID_TOKEN: mintIdentityToken() });
    expect(await main(['attest', 'app.tgz', '--bundle', 'x.json', ...services()], outside)).toBe(1);
    expect(outside.err()).toMatch(/^sealkit: PROVENANCE_ENVIRONMENT_UNKNOWN: .*--provenance FILE.*\n$/);

    const { GITHUB_RUN_ID: _gone, ...env } = GITHUB_ENV;
    const incomplete = io({ ...env, SIGSTORE_ID_TOKEN: mintIdentityToken() });
    expect(await main(['attest', 'app.tgz', '--bundle', 'x.json', ...services()], incomplete)).toBe(1);
    expect(incomplete.err()).toMatch(/^sealkit: PROVENANCE_ENVIRONMENT_INVALID: .*GITHUB_RUN_ID/);
  });

  it('exits 2 for wrong invocations', async () => {
    const token = mintIdentityToken();
    for (const args of [
      ['--bundle', 'b.json'],
      ['app.tgz'],
      ['--subject-name', 'x', 'app.tgz', '--bundle', 'b.json'],
      ['app.tgz', '--subject-name', 'x', '--subject-name', 'y', '--bundle', 'b.json'],
      ['--digest', `sha256:${imageDigest}`, '--bundle', 'b.json'],
      ['--digest', 'md5:abc', '--subject-name', 'x', '--bundle', 'b.json'],
      ['--digest', 'sha256:abc', '--subject-name', 'x', '--bundle', 'b.json', '--identity-token', token],
      ['app.tgz', '--digest-algorithm', 'md5', '--bundle', 'b.json', '--identity-token', token],
      ['app.tgz', '--ci', 'jenkins', '--bundle', 'b.json', '--identity-token', token],
      ['app.tgz', '--ci', 'github-actions', '--provenance', 'explicit.json', '--bundle', 'b.json', '--identity-token', token],
      ['app.tgz', '--provenance', 'missing.json', '--bundle', 'b.json', '--identity-token', token],
      ['app.tgz', '--provenance', 'not-json.json', '--bundle', 'b.json', '--identity-token', token],
      ['app.tgz', '--provenance', 'bad-explicit.json', '--bundle', 'b.json', '--identity-token', token],
      ['app.tgz', '--bundle', 'b.json', '--bogus'],
    ]) {
      await expect(attestCommand.run(args, io(GITHUB_ENV)), args.join(' ')).rejects.toBeInstanceOf(UsageError);
      const viaMain = io(GITHUB_ENV);
      expect(await main(['attest', ...args], viaMain), args.join(' ')).toBe(2);
      expect(viaMain.err()).toContain("Run 'sealkit attest --help' for usage.");
    }
  });

  it('exits 1 naming ARTIFACT_UNREADABLE for a missing file', async () => {
    const cli = io({ ...GITHUB_ENV, SIGSTORE_ID_TOKEN: mintIdentityToken() });
    expect(await main(['attest', 'gone.tgz', '--bundle', 'x.json', ...services()], cli)).toBe(1);
    expect(cli.err()).toMatch(/^sealkit: ARTIFACT_UNREADABLE: .*gone\.tgz/);
  });
});
