import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSealkitError } from '../../src/errors.js';
import { credentialLookup, normalizeKey } from '../../src/registry/credentials.js';

let dir: string;
let savedPath: string | undefined;

// A credential helper as the protocol describes one: `get`, the server URL on stdin, JSON out.
const HELPER = `#!/bin/sh
read server
case "$server" in
  helped.example) printf '{"ServerURL":"%s","Username":"helper-user","Secret":"helper-secret"}' "$server" ;;
  token.example) printf '{"ServerURL":"%s","Username":"<token>","Secret":"refresh-me"}' "$server" ;;
  broken.example) echo "not json" ;;
  crash.example) exit 3 ;;
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sealkit-creds-'));
  await writeFile(join(dir, 'docker-credential-test'), HELPER);
  await chmod(join(dir, 'docker-credential-test'), 0o755);
  savedPath = process.env.PATH;
  process.env.PATH = `${dir}${delimiter}${process.env.PATH ?? ''}`;
});

afterAll(async () => {
  process.env.PATH = savedPath;
  await rm(dir, { recursive: true, force: true });
});

async function configDir(config: unknown): Promise<string> {
  const folder = await mkdtemp(join(dir, 'config-'));
  await writeFile(join(folder, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
  return folder;
}

describe('credentials given and found', () => {
  it('asks a given source once per registry, and keeps the Docker config out of what was given', async () => {
    const folder = await configDir({ auths: { 'config.example': { auth: Buffer.from('cfg:pw').toString('base64') } } });
    const asked: string[] = [];
    const lookup = credentialLookup((registry) => {
      asked.push(registry);
      return registry === 'given.example' ? { username: 'ci', password: 'secret' } : undefined;
    }, folder);
    expect(await lookup.given('given.example')).toEqual({ username: 'ci', password: 'secret' });
    expect(await lookup('given.example')).toEqual({ username: 'ci', password: 'secret' });
    expect(await lookup.given('config.example')).toBeUndefined();
    expect(await lookup('config.example')).toEqual({ username: 'cfg', password: 'pw' });
    expect(asked).toEqual(['given.example', 'config.example']);
  });
});

describe('Docker config', () => {
  it('reads auths: base64 user:pass, identity tokens, and docker.io under its historical key', async () => {
    const folder = await configDir({
      auths: {
        '127.0.0.1:5000': { auth: Buffer.from('alice:pa:ss').toString('base64') },
        'https://index.docker.io/v1/': { auth: Buffer.from('hub:hubpw').toString('base64') },
        'https://ghcr.io': { identitytoken: 'id-token' },
      },
    });
    const lookup = credentialLookup(undefined, folder);
    expect(await lookup('127.0.0.1:5000')).toEqual({ username: 'alice', password: 'pa:ss' });
    expect(await lookup('docker.io')).toEqual({ username: 'hub', password: 'hubpw' });
    expect(await lookup('ghcr.io')).toEqual({ identityToken: 'id-token' });
    expect(await lookup('other.example')).toBeUndefined();
  });

  it('asks the credential helper named for the registry, with the registry on stdin', async () => {
    const folder = await configDir({
      credHelpers: { 'helped.example': 'test', 'token.example': 'test' },
      auths: { 'helped.example': { auth: Buffer.from('file:pw').toString('base64') } },
    });
    const lookup = credentialLookup(undefined, folder);
    expect(await lookup('helped.example')).toEqual({ username: 'helper-user', password: 'helper-secret' });
    expect(await lookup('token.example')).toEqual({ identityToken: 'refresh-me' });
  });

  it('asks credsStore for every registry and falls back to auths when it knows none', async () => {
    const folder = await configDir({ credsStore: 'test', auths: { 'plain.example': { auth: Buffer.from('u:p').toString('base64') } } });
    const lookup = credentialLookup(undefined, folder);
    expect(await lookup('helped.example')).toEqual({ username: 'helper-user', password: 'helper-secret' });
    expect(await lookup('plain.example')).toEqual({ username: 'u', password: 'p' });
    expect(await lookup('nobody.example')).toBeUndefined();
  });

  it('reports a helper that fails or answers garbage, without its output', async () => {
    const folder = await configDir({ credHelpers: { 'broken.example': 'test', 'crash.example': 'test', 'missing.example': 'absent' } });
    const lookup = credentialLookup(undefined, folder);
    for (const registry of ['broken.example', 'crash.example', 'missing.example']) {
      const error = await lookup(registry).catch((e: unknown) => e);
      expect(isSealkitError(error, 'REGISTRY_CREDENTIALS')).toBe(true);
      expect((error as Error).message).toContain(registry);
    }
  });

  it('reports an unparsable config without quoting it', async () => {
    const folder = await configDir('{"auths": {"x": {"auth": "c2VjcmV0"}');
    const error = await credentialLookup(undefined, folder)('x').catch((e: unknown) => e);
    expect(isSealkitError(error, 'REGISTRY_CREDENTIALS')).toBe(true);
    expect((error as Error).message).not.toContain('c2VjcmV0');
  });

  it('is no config when the file is missing, or when turned off', async () => {
    expect(await credentialLookup(undefined, join(dir, 'nowhere'))('a.example')).toBeUndefined();
    expect(await credentialLookup(undefined, false)('a.example')).toBeUndefined();
  });

  it('lets explicit credentials win over the config', async () => {
    const folder = await configDir({ auths: { 'a.example': { auth: Buffer.from('file:pw').toString('base64') } } });
    expect(await credentialLookup({ 'a.example': { username: 'given', password: 'x' } }, folder)('a.example')).toEqual({ username: 'given', password: 'x' });
    expect(await credentialLookup(() => undefined, folder)('a.example')).toEqual({ username: 'file', password: 'pw' });
  });
});

describe('normalizeKey', () => {
  it.each([
    ['https://index.docker.io/v1/', 'docker.io'],
    ['http://127.0.0.1:5000/v2/', '127.0.0.1:5000'],
    ['ghcr.io', 'ghcr.io'],
  ])('%s -> %s', (key, host) => expect(normalizeKey(key)).toBe(host));
});
