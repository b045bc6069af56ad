/**
 * The catalogers' YAML, TOML and XML parsers: the libraries' own results, loaded only when a
 * file in their format is parsed (observed in a real child process, see `module-loads.ts`).
 */
import { readFileSync } from 'node:fs';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { parse as smolToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { parse as yamlParse } from 'yaml';
import { fastXmlParser, parseToml, parseYaml } from '../../../src/sbom/catalog/parsers.js';
import { modulesLoadedBy, ofPackage } from '../../support/module-loads.js';

const PARSERS = ['js-yaml', 'smol-toml', 'fast-xml-parser'];

/** The real YAML lockfiles among the fixtures, which the YAML parser is checked against. */
const YAML_LOCKFILES = ['pnpm-v6/pnpm-lock.yaml', 'pnpm-v9/pnpm-lock.yaml', 'yarn-berry-v8/yarn.lock'];

describe('parseYaml', () => {
  it.each(YAML_LOCKFILES)('reads %s as another YAML library does', (path) => {
    const text = readFileSync(`fixtures/catalog/javascript/${path}`, 'utf8');
    // the fixtures hold quoted `*` ranges and `&` inside scalars, which are not anchors or aliases
    expect(text).toMatch(/: '\*'$|: "workspace:\*"$/m);
    expect(parseYaml(text)).toEqual(yamlParse(text));
  });

  it('resolves scalars with the core schema, as another YAML library does', () => {
    const text = [
      "a: '*'", 'b: "*"', "c: '&x'", 'd: "*x"', 'e: a&b', 'f: ">=1 <2 || *"', 'g: 1.0', 'h: 1.0.0', 'i: true',
      'j: null', 'k: ~', 'l: 2001-12-14', 'm: 0x1F', 'n: 0o17', 'o: 012', 'p: 1e3', 'q: .inf', "r: 'yes'", 's: yes',
      't: [1, "two", {u: v}]', '# a comment with &x and *x', 'w: |', '  &x *x', '"&y": "*y"', '',
    ].join('\n');
    expect(parseYaml(text)).toEqual(yamlParse(text));
    expect(parseYaml(text)).toMatchObject({ a: '*', b: '*', c: '&x', d: '*x', e: 'a&b', l: '2001-12-14', s: 'yes', w: '&x *x\n', '&y': '*y' });
  });

  it.each([
    ['an alias', 'a: &x [1, 2]\nb: *x\n'],
    ['an anchor alone', 'a: &x 1\nb: 2\n'],
    ['an anchor on a key', '&k a: 1\n'],
    ['an alias of the collection it is in', 'a: &x [*x]\n'],
    ['an anchor in a flow collection', '[1, &x 2]\n'],
    ['an alias bomb', ['a: &a ["x", "x"]', ...Array.from({ length: 30 }, (_, i) => `${String.fromCharCode(98 + (i % 24))}${i}: &a${i + 1} [${i === 0 ? '*a, *a' : `*a${i}, *a${i}`}]`), ''].join('\n')],
  ])('refuses %s', (_name, text) => {
    expect(() => parseYaml(text)).toThrow(/anchors and aliases are not accepted/);
  });

  it('refuses a repeated key unless asked to keep the last', () => {
    expect(() => parseYaml('a: 1\na: 2\n')).toThrow(/duplicated mapping key at line 2, column 1/);
    expect(parseYaml('a: 1\na: 2\n', { uniqueKeys: false })).toEqual(yamlParse('a: 1\na: 2\n', { uniqueKeys: false }));
  });

  it('throws a one-line error with the place for invalid YAML and for nesting too deep', () => {
    expect(() => parseYaml('a: [1, 2\nb: 3\n')).toThrow(/at line \d+, column \d+$/);
    expect(() => parseYaml(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)).toThrow(/maxDepth/);
    expect(() => parseYaml('a: 1\n---\nb: 2\n')).toThrow(/single document/);
  });
});

describe('parsers', () => {
  it('give what the libraries give, options and errors included', () => {
    const tomlText = '[package]\nname = "x"\nversion = "1.0.0"\n[[dep]]\nid = 1\n';
    expect(parseToml(tomlText)).toEqual(smolToml(tomlText));
    expect(() => parseToml('a = ')).toThrow();

    const { XMLParser: LazyParser, XMLValidator: LazyValidator } = fastXmlParser();
    const xmlText = '<project><name>x</name><licenses><license>MIT</license></licenses></project>';
    expect(new LazyParser().parse(xmlText)).toEqual(new XMLParser().parse(xmlText));
    expect(LazyValidator.validate('<a><b></a>')).toEqual(XMLValidator.validate('<a><b></a>'));
  });

  it('are loaded by the first parse, not by the cataloger registry', async () => {
    const pom = '<project><groupId>g</groupId><artifactId>a</artifactId><version>1</version></project>';
    const [registry, yaml, toml, xml] = await modulesLoadedBy(`
const parsers = await source('src/sbom/catalog/parsers.ts');
const { parsePomXml } = await source('src/sbom/catalog/java/pom-xml.ts');
await step('registry', async () => (await source('src/sbom/catalog/index.ts')).catalogers.length);
await step('yaml', () => parsers.parseYaml('a: 1'));
await step('toml', () => parsers.parseToml('a = 1'));
await step('xml', () => parsePomXml(${JSON.stringify(pom)}).artifactId);
`);
    expect(registry!.value).toBeGreaterThan(10);
    for (const name of PARSERS) expect(ofPackage(registry!.loaded, name)).toEqual([]);
    expect(yaml!.value).toEqual({ a: 1 });
    expect(ofPackage(yaml!.loaded, 'js-yaml').length).toBeGreaterThan(0);
    expect(toml!.value).toEqual({ a: 1 });
    expect(ofPackage(toml!.loaded, 'smol-toml').length).toBeGreaterThan(0);
    expect(xml!.value).toBe('a');
    expect(ofPackage(xml!.loaded, 'fast-xml-parser').length).toBeGreaterThan(0);
  });
});
