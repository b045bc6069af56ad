/**
 * `sealkit attest-sbom <sbom.json> --subject <file> --bundle <out>`: signs an SBOM as an
 * in-toto attestation about the artifact it describes; with `--subject registry:<image>`,
 * attaches it to the image (signed, or with `--unsigned` as a plain artifact).
 * @module
 */
import { resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import { attachSbom } from '../../registry/attach.js';
import { isRegistrySubject } from '../../registry/subject.js';
import { attestSbom } from '../../sign/index.js';
import { parseCommandArgs, type CliIO, type Command } from '../command.js';
import { registryClientOptions } from '../registry-options.js';
import {
  REGISTRY_SIGNING_FLAGS,
  REGISTRY_SIGNING_HELP,
  SIGNING_FLAGS,
  SIGNING_FLAGS_HELP,
  printResult,
  refuseRegistryFlags,
  registryBundleFlag,
  requireBundleFlag,
  signingOptionsFromFlags,
} from './sign.js';

const FLAGS = {
  ...SIGNING_FLAGS,
  ...REGISTRY_SIGNING_FLAGS,
  subject: { type: 'string' },
  'subject-name': { type: 'string' },
  unsigned: { type: 'boolean' },
  'media-type': { type: 'string' },
} as const;

const HELP = `Usage: sealkit attest-sbom <sbom.json> --subject <file> --bundle <out> [options]
       sealkit attest-sbom <sbom.json> --subject registry:<image> [--bundle <out>] [options]
       sealkit attest-sbom <sbom.json> --subject registry:<image> --unsigned [--media-type <T>]

Signs a CycloneDX or SPDX JSON SBOM as an in-toto attestation (DSSE, predicate type
https://cyclonedx.org/bom or https://spdx.dev/Document) whose subject is <file>'s sha256,
or the manifest digest of an image in a registry, to which the bundle is then attached.

  --subject <file>           the artifact the SBOM describes (or registry:<image>)
  --subject-name <name>      its name in the attestation (default: the file name, or
                             registry/repository for an image)
  --bundle <out>             where to write the bundle ("-" for standard output)
  --unsigned                 attach the SBOM to the image as it is, unsigned, as an artifact
                             of its media type (no signing flags)
  --media-type <T>           with --unsigned: the SBOM's media type (default from the
                             document: application/vnd.cyclonedx+json, application/spdx+json…)

${REGISTRY_SIGNING_HELP}

${SIGNING_FLAGS_HELP}

Exit status: 0 signed, 1 signing failed, 2 wrong usage.
`;

/** `sealkit attest-sbom`. */
export const attestSbomCommand: Command = {
  name: 'attest-sbom',
  summary: 'sign an SBOM as an in-toto attestation about an artifact',
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, FLAGS, 1);
    if (values.help) {
      io.stdout.write(HELP);
      return 0;
    }
    const sbom = positionals[0];
    if (!sbom) throw new UsageError('INVALID_ARGUMENT', 'missing <sbom.json> (see sealkit attest-sbom --help)');
    if (!values.subject) throw new UsageError('INVALID_ARGUMENT', '--subject <file> is required');
    const inRegistry = isRegistrySubject(values.subject);
    if (values.unsigned === true || values['media-type'] !== undefined) return attachUnsigned(sbom, values.subject, values, io);
    const out = inRegistry ? registryBundleFlag(values) : requireBundleFlag(values);
    if (!inRegistry) refuseRegistryFlags(values);
    const options = await signingOptionsFromFlags(values, io);
    const result = await attestSbom(resolve(io.cwd, sbom), inRegistry ? values.subject : resolve(io.cwd, values.subject), {
      ...options,
      subjectName: values['subject-name'],
      bundlePath: out === undefined || out === '-' ? undefined : resolve(io.cwd, out),
      ...(inRegistry ? { registry: registryClientOptions(values, io), upload: values['no-upload'] !== true } : {}),
    });
    const [algorithm = 'sha256', digest = ''] = Object.entries(result.statement.subject[0]?.digest ?? {})[0] ?? [];
    const about = result.registry?.reference ?? `${values.subject} (${algorithm}:${digest})`;
    printResult(io, `attested ${sbom} (${result.statement.predicateType}) for ${about}`, result, out, result.registry ? [result.registry] : []);
    return 0;
  },
};

type Values = ReturnType<typeof parseCommandArgs<typeof FLAGS>>['values'];

/** `--unsigned`: the SBOM attached as it is; no signing flag applies. */
async function attachUnsigned(sbom: string, subject: string, values: Values, io: CliIO): Promise<number> {
  if (values.unsigned !== true) throw new UsageError('INVALID_ARGUMENT', '--media-type is for --unsigned');
  if (!isRegistrySubject(subject)) throw new UsageError('INVALID_ARGUMENT', '--unsigned attaches to an image: give --subject registry:<image>');
  const signing = [...Object.keys(SIGNING_FLAGS), 'subject-name', 'no-upload'].find(
    (name) => name !== 'help' && (values as Record<string, unknown>)[name] !== undefined,
  );
  if (signing !== undefined) throw new UsageError('INVALID_ARGUMENT', `--${signing} has no use with --unsigned: nothing is signed`);
  const result = await attachSbom(subject, resolve(io.cwd, sbom), {
    registry: registryClientOptions(values, io),
    ...(values['media-type'] !== undefined ? { mediaType: values['media-type'] } : {}),
  });
  io.stdout.write(`attached ${sbom} (${result.mediaType}, unsigned) to ${result.reference}\n  attached as ${result.referrer.digest}\n`);
  return 0;
}
