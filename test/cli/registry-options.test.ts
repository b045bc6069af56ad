import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { SealkitError} from '../../src/errors.js';
import { UsageError } from '../../src/errors.js';
import { REGISTRY_FLAGS, REGISTRY_HELP, REGISTRY_PASSWORD_ENV, registryClientOptions } from '../../src/cli/registry-options.js';
import type { Credentials } from '../../src/registry/index.js';

function parse(args: string[]) {
  return parseArgs({ args, options: REGISTRY_FLAGS, strict: true, allowPositionals: true }).values;
}

async function credentialsFor(options: ReturnType<typeof registryClientOptions>, registry: string): Promise<Credentials | undefined> {
  const source = options.credentials;
  if (source === undefined) return undefined;
  if (typeof source !== 'function') throw new Error('expected a function');
  return source(registry);
}

function usageCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as SealkitError).code;
  }
  return undefined;
}

describe('registryClientOptions', () => {
  it('gives no credentials and the loopback-only default without flags', () => {
    const options = registryClientOptions(parse([]), { env: {} });
    expect(options).toEqual({});
  });

  it('passes the user name and the password from the flag', async () => {
    const options = registryClientOptions(parse(['--registry-username', 'alice', '--registry-password', 's3cret']), { env: {} });
    expect(await credentialsFor(options, '127.0.0.1:5000')).toEqual({ username: 'alice', password: 's3cret' });
  });

  it('reads the password from the command environment when the flag is absent', async () => {
    const options = registryClientOptions(parse(['--registry-username', 'alice']), { env: { [REGISTRY_PASSWORD_ENV]: 'from-env' } });
    expect(await credentialsFor(options, 'ghcr.io')).toEqual({ username: 'alice', password: 'from-env' });
  });

  it('prefers the flag to the environment', async () => {
    const options = registryClientOptions(parse(['--registry-username', 'alice', '--registry-password', 'flag']), {
      env: { [REGISTRY_PASSWORD_ENV]: 'env' },
    });
    expect((await credentialsFor(options, 'ghcr.io'))?.password).toBe('flag');
  });

  it('ignores the environment password without a user name, leaving the Docker config in charge', () => {
    const options = registryClientOptions(parse([]), { env: { [REGISTRY_PASSWORD_ENV]: 'lonely' } });
    expect(options.credentials).toBeUndefined();
  });

  it('limits the credentials to the registries named', async () => {
    const options = registryClientOptions(parse(['--registry-username', 'alice', '--registry-password', 'pw']), { env: {} }, {
      registries: ['staging.example:5000'],
    });
    expect(await credentialsFor(options, 'staging.example:5000')).toEqual({ username: 'alice', password: 'pw' });
    expect(await credentialsFor(options, 'prod.example')).toBeUndefined();
  });

  it('allows plain HTTP to every registry with --plain-http', () => {
    expect(registryClientOptions(parse(['--plain-http']), { env: {} }).plainHttp).toBe(true);
  });

  it('refuses a password without a user name', () => {
    expect(usageCode(() => registryClientOptions(parse(['--registry-password', 'pw']), { env: {} }))).toBe('INVALID_ARGUMENT');
  });

  it('refuses a user name without any password', () => {
    expect(usageCode(() => registryClientOptions(parse(['--registry-username', 'alice']), { env: {} }))).toBe('INVALID_ARGUMENT');
    expect(usageCode(() => registryClientOptions(parse(['--registry-username', 'alice']), { env: { [REGISTRY_PASSWORD_ENV]: '' } }))).toBe(
      'INVALID_ARGUMENT',
    );
  });

  it('refuses an empty user name', () => {
    expect(usageCode(() => registryClientOptions(parse(['--registry-username', '', '--registry-password', 'pw']), { env: {} }))).toBe(
      'INVALID_ARGUMENT',
    );
  });

  it('documents every flag in the help lines', () => {
    for (const flag of Object.keys(REGISTRY_FLAGS)) expect(REGISTRY_HELP).toContain(`--${flag}`);
    expect(REGISTRY_HELP).toContain(REGISTRY_PASSWORD_ENV);
  });
});
