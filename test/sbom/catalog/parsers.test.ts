/**
 * The catalogers' YAML, TOML and XML parsers: the libraries' own results, loaded only when a
 * file in their format is parsed (observed in a real child process, see `module-loads.ts`).
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { parse as smolToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { parse as yamlParse } from 'yaml';
import { fastXmlParser, parseToml, parseYaml } from '../../../src/sbom/catalog/parsers.js';
import { modulesLoadedBy, ofPackage } from '../../support/module-loads.js';

const PARSERS = ['yaml', 'smol-toml', 'fast-xml-parser'];

describe('parsers', () => {
  it('give what the libraries give, options and errors included', () => {
    const yamlText = 'a: &x [1, 2]\nb: *x\nc: "text"\n';
    expect(parseYaml(yamlText)).toEqual(yamlParse(yamlText));
    expect(() => parseYaml(yamlText, { maxAliasCount: 0 })).toThrow();
    expect(() => parseYaml('a: 1\na: 2\n')).toThrow();
    expect(parseYaml('a: 1\na: 2\n', { uniqueKeys: false })).toEqual(yamlParse('a: 1\na: 2\n', { uniqueKeys: false }));

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
    expect(ofPackage(yaml!.loaded, 'yaml').length).toBeGreaterThan(0);
    expect(toml!.value).toEqual({ a: 1 });
    expect(ofPackage(toml!.loaded, 'smol-toml').length).toBeGreaterThan(0);
    expect(xml!.value).toBe('a');
    expect(ofPackage(xml!.loaded, 'fast-xml-parser').length).toBeGreaterThan(0);
  });
});
