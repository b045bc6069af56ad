/**
 * The Sigstore client conformance suite's bundle-verify cases, through `sealkit verify-bundle`
 * as the suite drives it (a real process per run, file and digest mode). The assets live in
 * the shared corpus beside the repository; CI has them, a developer machine may not.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { skipWithoutCorpus } from '../verify/support/corpus.js';

const SCRIPT = fileURLToPath(new URL('../../scripts/conformance/sigstore-bundle-verify.mjs', import.meta.url));
const ASSETS =
  process.env.SEALKIT_CONFORMANCE_ASSETS ??
  fileURLToPath(new URL('../../../shared/corpus/sigstore-conformance/bundle-verify', import.meta.url));

describe.skipIf(skipWithoutCorpus(ASSETS))('Sigstore conformance: bundle verification', () => {
  it('behaves as every case is named, with the artifact and with its digest', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [SCRIPT, ASSETS], { timeout: 300_000 }).catch((error: { stdout?: string; message: string }) => {
      throw new Error(`conformance run failed:\n${error.stdout ?? error.message}`);
    });
    const summary = /(\d+)\/(\d+) runs behave as named \((\d+) cases/.exec(stdout);
    expect(summary, stdout).not.toBeNull();
    const [, passed, total, cases] = summary!.map(Number) as [number, number, number, number];
    console.log(stdout.trim());
    expect(passed).toBe(total);
    expect(total).toBe(2 * cases);
    expect(cases).toBeGreaterThanOrEqual(70);
  }, 300_000);
});
