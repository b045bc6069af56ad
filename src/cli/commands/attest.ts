/**
 * `sealkit attest <files...> --bundle <out>`: SLSA provenance about build outputs, filled in
 * from the CI environment (or an explicit description) and signed into a Sigstore bundle.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { attestProvenance } from '../../attest/index.js';
import type { CiOption, ExplicitProvenance, ProvenanceSubject, SubjectDigestAlgorithm } from '../../attest/index.js';
import { UsageError } from '../../errors.js';
import { isRegistrySubject } from '../../registry/subject.js';
import type { CliIO, Command } from '../command.js';
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
  'subject-name': { type: 'string', multiple: true },
  digest: { type: 'string', multiple: true },
  'digest-algorithm': { type: 'string', multiple: true },
  ci: { type: 'string' },
  provenance: { type: 'string' },
} as const;

const HELP = `Usage: sealkit attest <file>... --bundle <out> [options]
       sealkit attest --digest sha256:<hex> --subject-name <name> --bundle <out> [options]
       sealkit attest registry:<image>... [--bundle <out>] [options]

Writes SLSA Provenance v1 about the given build outputs as a signed in-toto attestation
(Sigstore bundle, DSSE). The predicate describes the running build: GitHub Actions and
GitLab CI are read from their variables; elsewhere, describe the build with --provenance.
Files are hashed streaming, in constant memory.

Subjects:
  <file>...                  files to attest, named by their file names
  registry:<image>           an image in a registry, named registry/repository, attested by
                             its manifest digest; the bundle is attached to it
  --digest <alg>:<hex>       an artifact hashed elsewhere (sha256:<64 hex> or sha512:<128 hex>);
                             it needs a --subject-name
  --subject-name <name>      the name of the subject just before it (a file or a --digest),
                             e.g. a purl or an image reference
  --digest-algorithm <alg>   sha256 (default) or sha512, the digests computed for files;
                             repeat it for both

Provenance:
  --ci <auto|github-actions|gitlab-ci>
                             the CI system to read (default auto: from GITHUB_ACTIONS/GITLAB_CI)
  --provenance <file.json>   describe the build explicitly instead (buildType, builderId,
                             externalParameters, resolvedDependencies, invocationId, ...)

  --bundle <out>             where to write the bundle ("-" for standard output)

${REGISTRY_SIGNING_HELP}

${SIGNING_FLAGS_HELP}

Exit status: 0 attested, 1 failed (e.g. PROVENANCE_ENVIRONMENT_UNKNOWN outside CI),
2 wrong usage.
`;

/** `sealkit attest`. */
export const attestCommand: Command = {
  name: 'attest',
  summary: 'sign SLSA provenance about build outputs (GitHub Actions, GitLab CI, explicit)',
  help: HELP,
  async run(args, io) {
    const { values, tokens } = parse(args);
    if (values.help) {
      io.stdout.write(HELP);
      return 0;
    }
    const subjects = subjectsFromArgs(tokens, io);
    const inRegistry = subjects.some((s) => isRegistrySubject(s) || (typeof s === 'object' && 'artifact' in s && isRegistrySubject(s.artifact)));
    const out = inRegistry ? registryBundleFlag(values) : requireBundleFlag(values);
    if (!inRegistry) refuseRegistryFlags(values);
    const provenance = values.provenance === undefined ? undefined : await readProvenance(values.provenance, io);
    const options = await signingOptionsFromFlags(values, io);
    const result = await attestProvenance(subjects, {
      ...options,
      ci: values.ci as CiOption | undefined,
      provenance,
      digestAlgorithms: values['digest-algorithm']?.flatMap((a) => a.split(',')).map((a) => a.trim()) as SubjectDigestAlgorithm[] | undefined,
      bundlePath: out === undefined || out === '-' ? undefined : resolve(io.cwd, out),
      ...(inRegistry ? { registry: registryClientOptions(values, io), upload: values['no-upload'] !== true } : {}),
    });
    const lines = [
      `attested SLSA provenance (${result.provenanceSource}, builder ${result.statement.predicate?.runDetails.builder.id ?? '?'})`,
      ...result.statement.subject.map(
        (s) => `  subject: ${s.name} ${Object.entries(s.digest).map(([algorithm, hex]) => `${algorithm}:${hex}`).join(' ')}`,
      ),
    ];
    printResult(io, lines.join('\n'), result, out, result.registry ?? []);
    return 0;
  },
};

type Parsed = ReturnType<typeof parseWithTokens>;

function parseWithTokens(args: string[]) {
  return parseArgs({ args, options: FLAGS, strict: true, allowPositionals: true, tokens: true });
}

function parse(args: string[]): Parsed {
  try {
    return parseWithTokens(args);
  } catch (error) {
    throw new UsageError('INVALID_ARGUMENT', (error as Error).message);
  }
}

/**
 * Subjects in the order given: each file and each --digest, named by the --subject-name that
 * follows it (the order matters, so the tokens are read rather than the collected values).
 */
function subjectsFromArgs(tokens: Parsed['tokens'], io: CliIO): ProvenanceSubject[] {
  const subjects: Array<{ file?: string; digest?: Record<string, string>; label: string; name?: string }> = [];
  for (const token of tokens) {
    if (token.kind === 'positional') {
      subjects.push({ file: isRegistrySubject(token.value) ? token.value : resolve(io.cwd, token.value), label: token.value });
    } else if (token.kind === 'option' && token.name === 'digest') {
      subjects.push({ digest: parseDigestFlag(token.value ?? ''), label: `--digest ${token.value ?? ''}` });
    } else if (token.kind === 'option' && token.name === 'subject-name') {
      const last = subjects.at(-1);
      if (last === undefined) throw new UsageError('INVALID_ARGUMENT', '--subject-name names the file or --digest before it; there is none');
      if (last.name !== undefined) throw new UsageError('INVALID_ARGUMENT', `${last.label} has two --subject-name`);
      last.name = token.value ?? '';
    }
  }
  if (subjects.length === 0) {
    throw new UsageError('INVALID_ARGUMENT', 'missing <file> (or --digest <alg>:<hex> --subject-name <name>) to attest (see sealkit attest --help)');
  }
  return subjects.map((s): ProvenanceSubject => {
    if (s.digest !== undefined) {
      if (s.name === undefined) throw new UsageError('INVALID_ARGUMENT', `${s.label} needs a --subject-name after it`);
      return { name: s.name, digest: s.digest };
    }
    const file = s.file as string;
    return s.name === undefined ? file : { artifact: file, name: s.name };
  });
}

/** `sha256:<hex>`, `sha512:<hex>`, or bare hex of SHA-256 length. */
function parseDigestFlag(value: string): Record<string, string> {
  const match = /^(sha256|sha512):(.*)$/i.exec(value.trim());
  if (match?.[1] !== undefined && match[2] !== undefined) return { [match[1].toLowerCase()]: match[2] };
  if (/^[0-9a-f]{64}$/i.test(value.trim())) return { sha256: value.trim() };
  throw new UsageError('INVALID_ARGUMENT', `--digest must be sha256:<64 hex digits> or sha512:<128 hex digits>, not ${JSON.stringify(value)}`);
}

async function readProvenance(path: string, io: CliIO): Promise<ExplicitProvenance> {
  let text: string;
  try {
    text = await readFile(resolve(io.cwd, path), 'utf8');
  } catch (error) {
    throw new UsageError('INVALID_ARGUMENT', `cannot read --provenance ${path}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return JSON.parse(text) as ExplicitProvenance;
  } catch (error) {
    throw new UsageError('INVALID_ARGUMENT', `--provenance ${path} is not JSON: ${(error as Error).message}`, { cause: error });
  }
}
