/**
 * The registry flags every command that reads or writes a registry takes, and how they become
 * the options of a {@link RegistryClient}. Commands spread {@link REGISTRY_FLAGS} into their
 * parseArgs options, print {@link REGISTRY_HELP} in their help, and pass the parsed values to
 * {@link registryClientOptions}.
 * @module
 */
import { UsageError } from '../errors.js';
import type { Credentials, RegistryClientOptions } from '../registry/index.js';
import type { CliIO } from './command.js';

/** Environment variable read for the password when `--registry-password` is not given. */
export const REGISTRY_PASSWORD_ENV = 'SEALKIT_REGISTRY_PASSWORD';

/** The parseArgs options of the registry flags. */
export const REGISTRY_FLAGS = {
  'registry-username': { type: 'string' },
  'registry-password': { type: 'string' },
  'plain-http': { type: 'boolean' },
} as const;

/** Help lines of the registry flags, aligned with the other options of a command's help. */
export const REGISTRY_HELP = `      --registry-username <user>
                        user name for the registry, with a password or token
      --registry-password <password>
                        its password or token (default $${REGISTRY_PASSWORD_ENV}); without a
                        user name, credentials come from $DOCKER_CONFIG/config.json (auths,
                        credHelpers, credsStore), else requests are anonymous
      --plain-http      allow plain HTTP to any registry (loopback hosts always may)`;

/** The values of {@link REGISTRY_FLAGS} as parseArgs returns them. */
export interface RegistryFlagValues {
  'registry-username'?: string;
  'registry-password'?: string;
  'plain-http'?: boolean;
}

/** Options of {@link registryClientOptions}. */
export interface RegistryOptionsContext {
  /**
   * Registry hosts (`host[:port]`) the given credentials are for. Default: every registry the
   * command speaks to. A command that talks to two registries names the one they belong to, so
   * that they are never sent to the other.
   */
  registries?: readonly string[];
}

/**
 * Turns the parsed registry flags into {@link RegistryClientOptions}. A password comes from
 * `--registry-password`, else from `$SEALKIT_REGISTRY_PASSWORD` in the command's environment
 * (a secret on the command line is visible to other users of the machine). Throws a
 * {@link UsageError} (exit 2) for a password without a user name, or a user name without a password.
 */
export function registryClientOptions(values: RegistryFlagValues, io: Pick<CliIO, 'env'>, context: RegistryOptionsContext = {}): RegistryClientOptions {
  const options: RegistryClientOptions = {};
  if (values['plain-http'] === true) options.plainHttp = true;
  const username = values['registry-username'];
  const flagPassword = values['registry-password'];
  if (username === undefined) {
    if (flagPassword !== undefined) throw new UsageError('INVALID_ARGUMENT', '--registry-password needs --registry-username');
    // the environment password alone is no credential: it waits for a user name
    return options;
  }
  if (username === '') throw new UsageError('INVALID_ARGUMENT', '--registry-username must not be empty');
  const envPassword = io.env[REGISTRY_PASSWORD_ENV];
  const password = flagPassword ?? (envPassword === '' ? undefined : envPassword);
  if (password === undefined || password === '') {
    throw new UsageError('INVALID_ARGUMENT', `--registry-username needs --registry-password or $${REGISTRY_PASSWORD_ENV}`);
  }
  const credentials: Credentials = { username, password };
  const hosts = context.registries;
  options.credentials = hosts === undefined ? () => credentials : (registry) => (hosts.includes(registry) ? credentials : undefined);
  return options;
}
