/**
 * `sealkit promote` signs only when asked for a Verification Summary Attestation, so loading the
 * command (and promote itself) must not load the signing stack, which took most of its start-up.
 * Observed in a real child process (see `module-loads.ts`).
 */
import { describe, expect, it } from 'vitest';
import { modulesLoadedBy, ofPackage } from '../../support/module-loads.js';

describe('promote command start-up', () => {
  it('loads no signing stack until a summary is signed', async () => {
    const [command, vsa] = await modulesLoadedBy(`
      await step('command', async () => Object.keys(await source('src/cli/commands/promote.ts')));
      await step('vsa', async () => Object.keys(await source('src/promote/vsa.ts')));
    `);
    expect(command?.value).toContain('promoteCommand');
    expect(ofPackage(command?.loaded ?? [], '@sigstore/sign')).toEqual([]);
    expect(ofPackage(vsa?.loaded ?? [], '@sigstore/sign').length).toBeGreaterThan(0);
  }, 60_000);
});
