import { describe, expect, it } from 'vitest';
import { metadataField, parsePythonMetadata, parseRequirement, parseRequiresTxt } from '../../../src/sbom/catalog/python-metadata.js';

describe('parsePythonMetadata', () => {
  it('reads repeated and continued headers and stops at the body', () => {
    const metadata = parsePythonMetadata(
      [
        'Metadata-Version: 2.1',
        'Name: demo',
        'License: line one',
        '        line two',
        'Classifier: A',
        'Classifier: B',
        'Description: old style',
        '        |  indented body',
        'no colon line',
        '',
        'Version: 9 (this is the body)',
      ].join('\r\n'),
    );
    expect(metadata.get('name')).toEqual(['demo']);
    expect(metadata.get('license')).toEqual(['line one\nline two']);
    expect(metadata.get('classifier')).toEqual(['A', 'B']);
    expect(metadata.has('version')).toBe(false);
    expect(metadataField(metadata, 'description')).toBe('old style\n|  indented body');
    expect(metadataField(metadata, 'missing')).toBeUndefined();
  });
});

describe('parseRequirement', () => {
  it.each([
    ['requests (>=2.0)', 'requests', false],
    ['zope.interface[docs]>=5 ; python_version < "3.8"', 'zope.interface', false],
    ["cryptography>=3.4.0; extra == 'crypto'", 'cryptography', true],
    ['brotli>=1.0.9; (os_name != "nt") and extra=="brotli"', 'brotli', true],
    ['Typing_Extensions', 'Typing_Extensions', false],
  ])('%s', (text, name, extraOnly) => {
    expect(parseRequirement(text)).toEqual({ name, extraOnly });
  });

  it('is undefined for text that is not a requirement', () => {
    expect(parseRequirement('; extra == "x"')).toBeUndefined();
    expect(parseRequirement('')).toBeUndefined();
  });
});

describe('parseRequiresTxt', () => {
  it('applies unconditional and marker-only sections, not extras', () => {
    const text = ['six', '# comment', 'idna>=2', '', '[socks]', 'PySocks', '', '[:python_version < "3.8"]', 'importlib-metadata', '[secure:sys_platform == "win32"]', 'wincertstore'].join('\n');
    expect(parseRequiresTxt(text)).toEqual([
      { name: 'six', extraOnly: false },
      { name: 'idna', extraOnly: false },
      { name: 'PySocks', extraOnly: true },
      { name: 'importlib-metadata', extraOnly: false },
      { name: 'wincertstore', extraOnly: true },
    ]);
  });
});
