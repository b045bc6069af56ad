/**
 * `sealkit promote registry:SRC registry:DST`: verifies the image at SRC under the policy
 * flags, then copies it by digest to DST with what is attached to it, tags DST and proves the
 * digest there; optionally attaches a signed verification summary (VSA). Prints the digest.
 * @module
 */
import { UsageError } from '../../errors.js';
import { promote, type PromoteResult, type PromotionPolicy, type PromotionVsaOptions } from '../../promote/promote.js';
import { parseRegistrySubject } from '../../registry/subject.js';
import { parseCommandArgs, type CliIO, type Command } from '../command.js';
import { REGISTRY_FLAGS, REGISTRY_HELP, REGISTRY_PASSWORD_ENV, registryClientOptions } from '../registry-options.js';
import { SIGNING_FLAGS, signingOptionsFromFlags } from './sign.js';
import { formatResult, VERIFY_FLAGS, verifyOptionsFromFlags } from './verify.js';

/** Environment variable read for the destination's password when `--destination-password` is not given. */
export const DESTINATION_PASSWORD_ENV = 'SEALKIT_DESTINATION_PASSWORD';

const { bundle: _bundle, ...POLICY_FLAGS } = VERIFY_FLAGS;
const { bundle: _out, key: _signingKey, help: _help, ...VSA_SIGNING_FLAGS } = SIGNING_FLAGS;

const FLAGS = {
  ...POLICY_FLAGS,
  'source-uri': { type: 'string' },
  'source-ref': { type: 'string' },
  'builder-id': { type: 'string', multiple: true },
  'min-level': { type: 'string' },
  'require-predicate-type': { type: 'string', multiple: true },
  tuf: { type: 'boolean' },
  vsa: { type: 'boolean' },
  'vsa-key': { type: 'string' },
  'verifier-id': { type: 'string' },
  'policy-uri': { type: 'string' },
  ...VSA_SIGNING_FLAGS,
  'destination-username': { type: 'string' },
  'destination-password': { type: 'string' },
  json: { type: 'boolean' },
  ...REGISTRY_FLAGS,
} as const;

const HELP = `Usage: sealkit promote registry:<source> registry:<destination> [options]

Build once, promote many. The source is resolved to its manifest digest, and the
Sigstore bundles attached to it are verified under the policy below. Only then is it
copied, by digest, to the destination: the manifest (or the index with every platform),
its config and layers byte for byte (mounted within one registry, else streamed), and the
signatures, attestations and SBOMs attached to it. The destination tag is written last and
read back: its digest must be the source's. A destination tag that already names another
digest is never moved; one that names this digest makes the promotion write nothing.
A destination given by digest (repo@sha256:...) is copied without a tag.

Policy (at least one attached bundle must verify):
  --key <pub.pem>                  trust this public key for key-signed bundles (repeatable)
  --certificate-identity <I>       the certificate identity (SAN), matched exactly
  --certificate-identity-regexp <RE>
                                   a pattern the whole identity must match
  --certificate-oidc-issuer <U>    the OIDC issuer
  --source-uri <U>                 the source repository: github.com/o/r
  --source-ref <R>                 the git ref built: refs/heads/main, refs/tags/v1.2.3
  --builder-id <B>                 a builder trusted for SLSA Build L3 (repeatable)
  --min-level <0-3>                the SLSA Build level required (default 0)
  --require-predicate-type <T>     a verified attestation of this predicate type must be
                                   attached (repeatable), e.g. https://cyclonedx.org/bom
  --trusted-root <F>               a trusted_root.json instead of the embedded one
  --tuf                            refresh the public-good root online (TUF) first

Verification summary (VSA, https://slsa.dev/verification_summary/v1):
  --vsa                            sign the decision and attach it at the destination
  --vsa-key <key.pem>              sign it with this private key (else keyless, with
                                   --identity-token, --fulcio-url, --rekor-url, --tsa-url,
                                   --signing-config, --audience, --rekor-version, --timeout,
                                   --retries as sealkit sign takes them)
  --verifier-id <URI>              the verifier.id recorded (default sealkit's)
  --policy-uri <URI>               where the policy is published (its digest is recorded)

Registries:
${REGISTRY_HELP}
      --destination-username <user>, --destination-password <password>
                        other credentials for the destination (password default
                        $${DESTINATION_PASSWORD_ENV}); then --registry-username and
                        --registry-password are for the source only

Output:
  --json                           print the result as JSON

Exit status: 0 promoted (or already there), 1 refused or failed, 2 wrong usage.

Example:
  sealkit promote registry:staging.example.com/app@sha256:<hex> registry:prod.example.com/app:1.4.0 \\
    --certificate-identity https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.4.0 \\
    --certificate-oidc-issuer https://token.actions.githubusercontent.com \\
    --require-predicate-type https://slsa.dev/provenance/v1 --min-level 3 --vsa
`;

/** `sealkit promote`. */
export const promoteCommand: Command = {
  name: 'promote',
  summary: 'verify an image in a registry, then copy it by digest to another registry or repository',
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, FLAGS, 2);
    if (values.help) {
      io.stdout.write(HELP);
      return 0;
    }
    const [source, destination] = positionals;
    if (source === undefined || destination === undefined) {
      throw new UsageError('INVALID_ARGUMENT', 'promote needs registry:<source> and registry:<destination>');
    }
    for (const ref of [source, destination]) {
      if (!ref.startsWith('registry:')) throw new UsageError('INVALID_ARGUMENT', `${ref} is not an image in a registry: write registry:host/repo:tag`);
    }
    const src = parseRegistrySubject(source);
    const dst = parseRegistrySubject(destination);
    const policy: PromotionPolicy = { ...(await verifyOptionsFromFlags(values, io)) };
    if (values['require-predicate-type'] !== undefined) policy.requiredPredicateTypes = values['require-predicate-type'];
    const vsa = await vsaOptions(values, io);

    const ownDestination = values['destination-username'] !== undefined || values['destination-password'] !== undefined;
    const registry = ownDestination
      ? {
          source: registryClientOptions(values, io, { registries: [src.registry] }),
          destination: registryClientOptions(
            { 'registry-username': values['destination-username'], 'registry-password': values['destination-password'], 'plain-http': values['plain-http'] },
            { env: { [REGISTRY_PASSWORD_ENV]: io.env[DESTINATION_PASSWORD_ENV] } },
            { registries: [dst.registry] },
          ),
        }
      : registryClientOptions(values, io, { registries: [src.registry, dst.registry] });

    const result = await promote(src, dst, { policy, registry, ...(vsa ? { vsa } : {}) });
    io.stdout.write(values.json ? `${JSON.stringify(jsonResult(result), null, 2)}\n` : formatPromotion(result, policy.minLevel ?? 0));
    return 0;
  },
};

async function vsaOptions(values: Record<string, unknown>, io: CliIO): Promise<PromotionVsaOptions | undefined> {
  const vsaOnly = ['vsa-key', 'verifier-id', 'policy-uri', ...Object.keys(VSA_SIGNING_FLAGS)].filter((flag) => values[flag] !== undefined);
  if (values.vsa !== true) {
    if (vsaOnly.length > 0) throw new UsageError('INVALID_ARGUMENT', `--${vsaOnly[0]} is for the verification summary: add --vsa`);
    return undefined;
  }
  const signing = await signingOptionsFromFlags({ ...(values as Record<string, string>), key: values['vsa-key'] as string | undefined }, io);
  return {
    ...signing,
    ...(values['verifier-id'] !== undefined ? { verifierId: values['verifier-id'] as string } : {}),
    ...(values['policy-uri'] !== undefined ? { policyUri: values['policy-uri'] as string } : {}),
  };
}

/** The result for `--json`: what was promoted and proved, without the bundle bytes. */
function jsonResult(result: PromoteResult): Record<string, unknown> {
  return {
    digest: result.digest,
    mediaType: result.mediaType,
    source: result.source,
    destination: result.destination,
    unchanged: result.unchanged,
    verification: result.evidence.result,
    referrers: result.evidence.referrers,
    copy: result.copy,
    vsa: result.vsa === undefined ? undefined : { referrer: result.vsa.referrer.digest, statement: result.vsa.statement },
  };
}

function formatPromotion(result: PromoteResult, minLevel: number): string {
  const lines = [formatResult(result.source, result.evidence.result, minLevel).trimEnd()];
  for (const referrer of result.evidence.referrers.filter((r) => r.authentic)) {
    lines.push(`proved by ${referrer.digest}${referrer.predicateType ? ` (${referrer.predicateType})` : ' (signature)'}`);
  }
  const { blobs } = result.copy;
  lines.push(
    result.unchanged
      ? `${result.destination}: already promoted; nothing written`
      : `promoted ${result.source} -> ${result.destination}`,
    `  blobs: ${blobs.present} present, ${blobs.mounted} mounted, ${blobs.streamed} streamed (${blobs.bytesStreamed} bytes); manifests written: ${result.copy.manifestsWritten}; referrers attached: ${result.copy.referrersAttached}`,
  );
  for (const skipped of result.copy.referrersSkipped) lines.push(`  not copied: ${skipped.digest} (${skipped.reason})`);
  if (result.vsa) lines.push(`  verification summary attached as ${result.vsa.referrer.digest}`);
  lines.push(`digest: ${result.digest}`);
  return `${lines.join('\n')}\n`;
}
