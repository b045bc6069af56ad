import { describe, expect, expectTypeOf, it } from 'vitest';
import { bufferContent, type FileContent } from '../../../src/sbom/catalog/cataloger.js';
import { bufferSource, sliceSource, type ByteSource } from '../../../src/sbom/readers/byte-source.js';
import { readExecutables } from '../../../src/sbom/readers/executable/index.js';

describe('one random-access type', () => {
  it('is the same type and the same function under the catalog contract\'s names', () => {
    expect(bufferContent).toBe(bufferSource);
    expectTypeOf<FileContent>().toEqualTypeOf<ByteSource>();
    expectTypeOf(readExecutables).parameter(0).toEqualTypeOf<ByteSource>();
  });

  it('reads views of a buffer, clamped to its end', () => {
    const source = bufferSource(Buffer.from('0123456789'));
    expect(source.read(8, 5).toString()).toBe('89');
    expect(source.read(12, 5).length).toBe(0);
    expect(sliceSource(source, 2, 4).read(1, 10).toString()).toBe('345');
  });
});
