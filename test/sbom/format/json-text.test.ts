import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeJson, hashJson, jsonPieces } from '../../../src/sbom/format/json-text.js';
import { ODD_METADATA } from './samples.js';

/** Values of every kind JSON.stringify writes, nested at every depth the pieces split at and below. */
const leaves: unknown[] = [null, true, false, 0, -0, 1.5, -1e21, Number.NaN, Number.POSITIVE_INFINITY, '', 'a\nb', 'ż 📦 \ud800 \u2028', new Date(0)];
const nested = (depth: number): unknown =>
  depth === 0
    ? { ...ODD_METADATA, leaves, empty: {}, none: [], skipped: undefined, fn: () => 1 }
    : {
        '2': 'integer-like keys come first',
        list: [nested(depth - 1), [], {}, [[1, [2]], undefined, () => 1, Symbol('s')], ...leaves],
        object: { inner: nested(depth - 1), gone: undefined },
        withToJson: { toJSON: (key: string) => ({ key, value: nested(depth - 1) }) },
        '1': 'before 2',
      };
const VALUES: ReadonlyArray<[string, unknown]> = [
  ['a leaf', 'plain'],
  ['an empty object', {}],
  ['an empty array', []],
  ['an array of leaves', leaves],
  ['objects nested one deep', nested(1)],
  ['objects nested four deep', nested(4)],
  ['an array of documents', [nested(2), nested(3)]],
  ['an object without writable members', { a: undefined, b: () => 1 }],
];

describe('jsonPieces', () => {
  it.each(VALUES)('joins to exactly what JSON.stringify writes, compact and indented: %s', (_name, value) => {
    expect([...jsonPieces(value, 0)].join('')).toBe(JSON.stringify(value));
    expect([...jsonPieces(value, 2)].join('')).toBe(JSON.stringify(value, null, 2));
  });

  it('keeps each member of a large list a piece of its own, never the whole text', () => {
    const component = (i: number) => ({ 'bom-ref': `pkg:${i}`, name: `package ${i} of Piotr Ożarowski`, properties: [{ name: 'n', value: String(i) }] });
    const document = { bomFormat: 'CycloneDX', components: Array.from({ length: 2000 }, (_, i) => component(i)) };
    const pieces = [...jsonPieces(document, 2)];
    const longest = Math.max(...pieces.map((piece) => piece.length));
    expect(longest).toBeLessThan(JSON.stringify(component(1999), null, 2).length * 2);
    expect(pieces.join('')).toBe(JSON.stringify(document, null, 2));
  });
});

describe('hashJson and encodeJson', () => {
  it.each(VALUES)('hash the compact text and encode the indented text as UTF-8: %s', (_name, value) => {
    expect(hashJson(createHash('sha256'), value).digest('hex')).toBe(createHash('sha256').update(JSON.stringify(value), 'utf8').digest('hex'));
    expect(encodeJson(value, '\n').equals(Buffer.from(`${JSON.stringify(value, null, 2)}\n`, 'utf8'))).toBe(true);
  });
});
