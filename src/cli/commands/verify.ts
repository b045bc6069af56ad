/**
 * `sealkit verify <artifact|sha256:hex> --bundle <b>`: verifies attestations about an artifact
 * and prints every check, or the whole result as JSON. Exit 0 only when verified. With
 * `registry:REF` the bundles are those attached to the image in the registry. Also exports
 * the flags and their translation that `sealkit verify-bundle` shares.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UsageError, VerificationError } from '../../errors.js';
import { verifyBundle } from '../../verify/verify-bundle.js';
import { isRegistryArtifact, type RegistryVerificationResult } from '../../verify/registry-input.js';
import type { VerificationResult, VerifyBundleOptions } from '../../verify/verify-types.js';
import type { VerificationCheck } from '../../verify/checks.js';
import { parseCommandArgs, type CliIO, type Command } from '../command.js';
import { REGISTRY_FLAGS, REGISTRY_HELP, registryClientOptions } from '../registry-options.js';

/** Flags shared by `verify` and `verify-bundle`. */
export const VERIFY_FLAGS = {
  bundle: { type: 'string', multiple: true },
  'trusted-root': { type: 'string' },
  key: { type: 'string', multiple: true },
  'certificate-identity': { type: 'string' },
  'certificate-identity-regexp': { type: 'string' },
  'certificate-oidc-issuer': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const FLAGS = {
  ...VERIFY_FLAGS,
  'source-uri': { type: 'string' },
  'source-ref': { type: 'string' },
  'builder-id': { type: 'string', multiple: true },
  'min-level': { type: 'string' },
  tuf: { type: 'boolean' },
  json: { type: 'boolean' },
  ...REGISTRY_FLAGS,
} as const;

const HELP = `Usage: sealkit verify <artifact | sha256:<hex>> --bundle <bundle> [options]
       sealkit verify registry:<host/repo[:tag][@sha256:<hex>]> [options]

Verifies Sigstore bundles about an artifact, offline, and reports the SLSA Build level
their provenance proves. The artifact is a file (hashed streaming) or its digest.
Bundles: a .sigstore.json bundle, an .intoto.jsonl file (one bundle per line), or an
npm registry attestations response; --bundle may be repeated. Every bundle about the
artifact must verify.

In place: registry:REF is resolved to its manifest digest, and the Sigstore bundles
attached to it (OCI referrers, and cosign's .sig/.att tags) are verified against that
digest; each check names the referrer it is about. Nothing attached is not verified.

Trust (default: the Sigstore public-good trusted root embedded in sealkit):
  --trusted-root <F>               a trusted_root.json to use instead
  --tuf                            refresh the public-good root online (TUF) first
  --key <pub.pem>                  trust this public key for key-signed bundles (repeatable)

Policy:
  --certificate-identity <I>       the certificate identity (SAN), matched exactly
  --certificate-identity-regexp <RE>
                                   a pattern the whole identity must match
  --certificate-oidc-issuer <U>    the OIDC issuer (inferred for github.com and gitlab.com
                                   sources when absent)
  --source-uri <U>                 the source repository: github.com/o/r or https://github.com/o/r
  --source-ref <R>                 the git ref built: refs/heads/main, refs/tags/v1.2.3
  --builder-id <B>                 a builder trusted for SLSA Build L3, with or without @ref
                                   (repeatable; adds to the default table)
  --min-level <0-3>                the SLSA Build level required (default 0: any verified bundle)

Output:
  --json                           print the whole result as JSON (also when it fails)

Registry (for registry:REF):
${REGISTRY_HELP}

Keyless bundles need an identity: --certificate-identity(-regexp) or --source-uri.

Exit status: 0 verified, 1 not verified (or an error), 2 wrong usage.

Examples:
  sealkit verify app.tgz --bundle app.tgz.sigstore.json \\
    --certificate-identity https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.2.0 \\
    --certificate-oidc-issuer https://token.actions.githubusercontent.com
  sealkit verify dist/app --bundle app.intoto.jsonl --source-uri github.com/acme/app --min-level 3
  sealkit verify registry:ghcr.io/acme/app:1.2.0 --source-uri github.com/acme/app --min-level 3
`;

type VerifyFlagValues = { [K in keyof typeof FLAGS]?: (typeof FLAGS)[K] extends { multiple: true } ? string[] : (typeof FLAGS)[K]['type'] extends 'boolean' ? boolean : string };

/** The `<artifact>` argument: `sha256:<hex>` (and sha384/sha512) is a digest, anything else a path. */
export function artifactArgument(value: string | undefined, io: CliIO, command: string): string {
  if (value === undefined) throw new UsageError('INVALID_ARGUMENT', `missing <artifact> (a file or sha256:<hex>; see sealkit ${command} --help)`);
  return /^sha(256|384|512):[0-9a-fA-F]+$/.test(value) ? value : resolve(io.cwd, value);
}

/** Translates the shared flags into options; reads the key files. */
export async function verifyOptionsFromFlags(values: VerifyFlagValues, io: CliIO): Promise<VerifyBundleOptions> {
  const options: VerifyBundleOptions = {};
  if (values['trusted-root'] !== undefined) options.trustedRoot = resolve(io.cwd, values['trusted-root']);
  if (values.key !== undefined) {
    options.publicKeys = await Promise.all(
      values.key.map(async (path) => {
        try {
          return await readFile(resolve(io.cwd, path), 'utf8');
        } catch (error) {
          throw new VerificationError('KEY_INVALID', `cannot read the key file ${path}: ${(error as Error).message}`, { cause: error });
        }
      }),
    );
  }
  if (values['certificate-identity'] !== undefined) options.certificateIdentity = values['certificate-identity'];
  if (values['certificate-identity-regexp'] !== undefined) options.certificateIdentityPattern = values['certificate-identity-regexp'];
  if (values['certificate-oidc-issuer'] !== undefined) options.certificateIssuer = values['certificate-oidc-issuer'];
  if (values['source-uri'] !== undefined) options.sourceRepository = values['source-uri'];
  if (values['source-ref'] !== undefined) options.sourceRef = values['source-ref'];
  if (values['builder-id'] !== undefined) options.builderIds = values['builder-id'];
  if (values.tuf) options.tuf = true;
  if (values['min-level'] !== undefined) {
    const level = Number(values['min-level']);
    if (![0, 1, 2, 3].includes(level) || values['min-level'].trim() === '') {
      throw new UsageError('INVALID_ARGUMENT', `--min-level must be 0, 1, 2 or 3, not ${values['min-level']}`);
    }
    options.minLevel = level as 0 | 1 | 2 | 3;
  }
  return options;
}

/** The `--bundle` paths, resolved; a usage error when none is given. */
export function bundleArguments(values: VerifyFlagValues, io: CliIO, command: string): string[] {
  if (!values.bundle || values.bundle.length === 0) {
    throw new UsageError('INVALID_ARGUMENT', `--bundle <bundle> is required (see sealkit ${command} --help)`);
  }
  return values.bundle.map((path) => resolve(io.cwd, path));
}

/** `sealkit verify`. */
export const verifyCommand: Command = {
  name: 'verify',
  summary: 'verify Sigstore bundles about an artifact and report the SLSA Build level proven',
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, FLAGS, 1);
    if (values.help) {
      io.stdout.write(HELP);
      return 0;
    }
    if (isRegistryArtifact(positionals[0])) {
      if (values.bundle !== undefined) {
        throw new UsageError('INVALID_ARGUMENT', '--bundle is not taken with registry:REF: the bundles attached to the image are verified');
      }
      const options = await verifyOptionsFromFlags(values, io);
      const result = await verifyBundle(positionals[0] as `registry:${string}`, { ...options, registry: registryClientOptions(values, io) });
      io.stdout.write(values.json ? `${JSON.stringify(result, null, 2)}\n` : formatResult(positionals[0], result, options.minLevel ?? 0));
      return result.verified ? 0 : 1;
    }
    if (values['registry-username'] !== undefined || values['registry-password'] !== undefined || values['plain-http'] !== undefined) {
      throw new UsageError('INVALID_ARGUMENT', 'the registry flags are taken only with a registry:REF artifact');
    }
    const artifact = artifactArgument(positionals[0], io, 'verify');
    const bundles = bundleArguments(values, io, 'verify');
    const options = await verifyOptionsFromFlags(values, io);
    const result = await verifyBundle(artifact, bundles.length === 1 ? bundles[0]! : bundles, options);
    io.stdout.write(values.json ? `${JSON.stringify(result, null, 2)}\n` : formatResult(positionals[0]!, result, options.minLevel ?? 0));
    return result.verified ? 0 : 1;
  },
};

/** The checks as a table, grouped by attestation, under a one-line verdict. */
export function formatResult(artifact: string, result: VerificationResult, minLevel: number): string {
  const verdict = result.verified ? 'VERIFIED' : 'NOT VERIFIED';
  const required = minLevel > 0 ? ` (L${minLevel} required)` : '';
  const lines = [`${artifact}: ${verdict}, SLSA Build L${result.level}${required}`];
  const subject = (result as Partial<RegistryVerificationResult>).subject;
  if (subject !== undefined) lines.push(`image: ${subject.reference}`);
  const groups = new Map<string, VerificationCheck[]>();
  for (const check of result.checks) {
    const key = check.source ?? '';
    groups.set(key, [...(groups.get(key) ?? []), check]);
  }
  const width = Math.max(...result.checks.map((c) => c.id.length));
  for (const [source, checks] of groups) {
    if (source !== '') lines.push(`attestation ${source}${referrerNote(result, source)}`);
    for (const check of checks) {
      const status = check.passed ? 'ok  ' : check.category === 'level' ? 'no  ' : 'FAIL';
      const level = check.level === undefined ? '    ' : `L${check.level}  `;
      lines.push(`  ${status}  ${level}${check.id.padEnd(width)}  ${check.detail}`);
    }
  }
  const skipped = result.attestations.filter((a) => a.about === 'no');
  if (skipped.length > 0) lines.push(`set aside (about other artifacts): ${skipped.map((a) => a.source).join(', ')}`);
  if (result.signer?.kind === 'certificate') {
    lines.push(`signer: ${result.signer.identity.subject} (issuer ${result.signer.identity.issuer ?? 'unknown'})`);
  } else if (result.signer?.kind === 'key') {
    lines.push(`signer: key ${result.signer.keyId}`);
  }
  return `${lines.join('\n')}\n`;
}

/** For a registry verification: how the attestation's referrer was found, when its label does not say. */
function referrerNote(result: VerificationResult, source: string): string {
  const report = (result as Partial<RegistryVerificationResult>).attestations?.find((a) => a.source === source);
  if (report === undefined || !('referrerSource' in report)) return '';
  return report.referrer === source ? ` (${report.referrerSource})` : ` (${report.referrerSource} ${report.referrer})`;
}
