/**
 * Reading attestations: every accepted shape flattened into labelled documents, unreadable
 * parts kept as documents that fail (never dropped), and reading bounded before memory fills.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAttestations, NPM_PUBLISH_PREDICATE_TYPE } from '../../../src/verify/attestations/load-attestations.js';
import { NPM_CORPUS, caseBundleJson, provenanceCase, skipWithoutCorpus } from '../support/corpus.js';

const SKIP_NPM = skipWithoutCorpus(NPM_CORPUS);
const dir = mkdtempSync(join(tmpdir(), 'sealkit-attestations-'));
const bundle = caseBundleJson(provenanceCase('slsa-generic-v2.1.0'));
const other = caseBundleJson(provenanceCase('slsa-go-v2.1.0'));

const shape = (documents: Awaited<ReturnType<typeof loadAttestations>>) =>
  documents.map((d) => ({ source: d.source, ok: d.problem === undefined, npm: d.npmPredicateType }));

describe('shapes', () => {
  it('one parsed bundle', async () => {
    const documents = await loadAttestations(bundle);
    expect(shape(documents)).toEqual([{ source: 'the bundle', ok: true, npm: undefined }]);
    expect(documents[0]!.json).toBe(bundle);
  });

  it('a list of bundles, each labelled by its index', async () => {
    expect(shape(await loadAttestations([bundle, other]))).toEqual([
      { source: 'attestations[0]', ok: true, npm: undefined },
      { source: 'attestations[1]', ok: true, npm: undefined },
    ]);
  });

  it('a JSON array (text, bytes, file)', async () => {
    const text = JSON.stringify([bundle, other]);
    const path = join(dir, 'bundles.json');
    writeFileSync(path, text);
    expect(shape(await loadAttestations(text)).map((d) => d.source)).toEqual(['the bundle[0]', 'the bundle[1]']);
    expect(shape(await loadAttestations(Buffer.from(text))).map((d) => d.source)).toEqual(['the bundle[0]', 'the bundle[1]']);
    expect(shape(await loadAttestations(path)).map((d) => d.source)).toEqual([`${path}[0]`, `${path}[1]`]);
  });

  it('.intoto.jsonl with blank lines and one garbage line: that line is an unreadable document named file:line', async () => {
    const path = join(dir, 'release.intoto.jsonl');
    writeFileSync(path, `${JSON.stringify(bundle)}\n\n   \n{"this is": not json\n${JSON.stringify(other)}\n\n`);
    const documents = await loadAttestations(path);
    expect(shape(documents)).toEqual([
      { source: `${path}:1`, ok: true, npm: undefined },
      { source: `${path}:4`, ok: false, npm: undefined },
      { source: `${path}:5`, ok: true, npm: undefined },
    ]);
    expect(documents[1]!.problem).toContain('not JSON');
    expect(documents[1]!.json).toBeUndefined();
  });

  it('CRLF line ends and a single line without a newline', async () => {
    expect(shape(await loadAttestations(`${JSON.stringify(bundle)}\r\n${JSON.stringify(other)}\r\n`)).map((d) => d.ok)).toEqual([true, true]);
    expect(shape(await loadAttestations(`${JSON.stringify(bundle)}`))).toEqual([{ source: 'the bundle', ok: true, npm: undefined }]);
  });

  it('one line that is not JSON: one unreadable document', async () => {
    const documents = await loadAttestations(Buffer.from('garbage'));
    expect(shape(documents)).toEqual([{ source: 'the bundle', ok: false, npm: undefined }]);
  });

  it.skipIf(SKIP_NPM)("an npm response: [publish] and [provenance] labels, the registry's predicate types kept", async () => {
    const path = `${NPM_CORPUS}gundam-visor-cli-v1-tag.tgz.json`;
    const documents = await loadAttestations(path);
    expect(shape(documents).sort((a, b) => a.source.localeCompare(b.source))).toEqual([
      { source: `${path}[provenance]`, ok: true, npm: 'https://slsa.dev/provenance/v1' },
      { source: `${path}[publish]`, ok: true, npm: NPM_PUBLISH_PREDICATE_TYPE },
    ]);
  });

  it('npm response entries with an unknown type are numbered, and one without a bundle is unreadable', async () => {
    const documents = await loadAttestations({ attestations: [{ predicateType: 'https://example.com/x', bundle }, { predicateType: NPM_PUBLISH_PREDICATE_TYPE }, null] });
    expect(shape(documents)).toEqual([
      { source: 'the bundle[0]', ok: true, npm: 'https://example.com/x' },
      { source: 'the bundle[publish]', ok: false, npm: undefined },
      { source: 'the bundle[2]', ok: false, npm: undefined },
    ]);
  });

  it('bytes: a Buffer and a Uint8Array view into a larger buffer read only their own bytes', async () => {
    const text = Buffer.from(`xxxx${JSON.stringify(bundle)}yyyy`);
    const view = new Uint8Array(text.buffer, text.byteOffset + 4, text.length - 8);
    expect(shape(await loadAttestations(view))).toEqual([{ source: 'the bundle', ok: true, npm: undefined }]);
  });

  it('a value that is none of the forms is a usage error', async () => {
    await expect(loadAttestations(42 as unknown as string)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(loadAttestations([bundle, undefined as unknown as string])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('limits and unreadable files', () => {
  it('a 100 MB file is LIMIT_EXCEEDED at once, without being read', async () => {
    const path = join(dir, 'huge.jsonl');
    writeFileSync(path, '');
    truncateSync(path, 100 * 1024 * 1024); // sparse: no disk, and reading it would take 100 MB
    const before = process.memoryUsage();
    const started = performance.now();
    await expect(loadAttestations(path)).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED', details: { size: 100 * 1024 * 1024 } });
    const elapsed = performance.now() - started;
    const after = process.memoryUsage();
    expect(elapsed).toBeLessThan(1000);
    expect(after.heapUsed - before.heapUsed).toBeLessThan(8 * 1024 * 1024);
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(8 * 1024 * 1024);
  });

  it('maxBytes bounds files, text and bytes', async () => {
    const text = JSON.stringify(bundle);
    const path = join(dir, 'one.json');
    writeFileSync(path, text);
    for (const input of [path, text, Buffer.from(text)]) {
      await expect(loadAttestations(input, { maxBytes: 1000 })).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
      await expect(loadAttestations(input, { maxBytes: Buffer.byteLength(text) })).resolves.toHaveLength(1);
    }
  });

  it('a missing file is ARTIFACT_UNREADABLE naming it', async () => {
    const path = join(dir, 'missing.intoto.jsonl');
    await expect(loadAttestations(path)).rejects.toMatchObject({ code: 'ARTIFACT_UNREADABLE', message: `cannot read the attestations ${path}: no such file` });
  });

  it('a directory is ARTIFACT_UNREADABLE', async () => {
    await expect(loadAttestations(dir)).rejects.toMatchObject({ code: 'ARTIFACT_UNREADABLE' });
  });

  it('a FIFO is refused without waiting for a writer', async () => {
    const fifo = join(dir, 'pipe.jsonl');
    try {
      execFileSync('mkfifo', [fifo]);
    } catch {
      return; // no mkfifo here
    }
    await expect(loadAttestations(fifo)).rejects.toMatchObject({ code: 'ARTIFACT_UNREADABLE' });
  });

  it('an aborted signal stops a list', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(loadAttestations([bundle], { signal: controller.signal })).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it.skipIf(SKIP_NPM)('the real npm response file reads in full (no truncation)', async () => {
    const path = `${NPM_CORPUS}gundam-visor-cli-v1-tag.tgz.json`;
    const documents = await loadAttestations(path);
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as { attestations: Array<{ bundle: unknown }> };
    expect(documents.map((d) => d.json)).toEqual(parsed.attestations.map((a) => a.bundle));
  });
});
