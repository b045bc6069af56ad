import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { isSealkitError } from '../../../src/errors.js';
import { serializeCycloneDxJson, type CycloneDxVersion } from '../../../src/sbom/format/cyclonedx.js';
import { serializeCycloneDxXml, xmlText } from '../../../src/sbom/format/cyclonedx-xml.js';
import type { Sbom } from '../../../src/sbom/model.js';
import { imageSbom, ODD_METADATA, projectSbom, SAMPLES } from './samples.js';

const VERSIONS: readonly CycloneDxVersion[] = ['1.7', '1.6', '1.5', '1.4'];
const LISTS = new Set(['component', 'dependency', 'property', 'occurrence', 'license', 'hash']);

type XmlNode = Record<string, unknown>;

/** The document read back by an independent XML parser, repeated elements always as lists. */
function parse(xml: string): XmlNode {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false, isArray: (name) => LISTS.has(name) });
  return (parser.parse(xml) as { bom: XmlNode }).bom;
}

function components(bom: XmlNode): XmlNode[] {
  return ((bom.components as XmlNode | undefined)?.component as XmlNode[] | undefined) ?? [];
}

function text(node: unknown): string {
  return typeof node === 'object' && node !== null ? String((node as XmlNode)['#text'] ?? '') : String(node ?? '');
}

describe('CycloneDX XML', () => {
  it.each(VERSIONS)('holds the components of the JSON document, with the same refs, names, versions, purls and scopes (%s)', (version) => {
    for (const [, make] of SAMPLES) {
      const json = JSON.parse(serializeCycloneDxJson(make(), version)) as { components?: XmlNode[]; metadata: { component: XmlNode } };
      const xml = parse(serializeCycloneDxXml(make(), version));
      const fromJson = (json.components ?? []).map((c) => [c['bom-ref'], c.name, c.version, c.purl, c.scope]);
      const fromXml = components(xml).map((c) => [c['@bom-ref'], text(c.name), c.version, c.purl, c.scope]);
      expect(fromXml).toEqual(fromJson);
      const subject = (xml.metadata as XmlNode).component as XmlNode[];
      expect(subject[0]?.['@bom-ref']).toBe(json.metadata.component['bom-ref']);
    }
  });

  it('writes the spec version’s namespace, a content-derived serial number and dependencies sorted by ref', () => {
    const xml = serializeCycloneDxXml(imageSbom(), '1.6');
    const bom = parse(xml);
    expect(bom['@xmlns']).toBe('http://cyclonedx.org/schema/bom/1.6');
    expect(bom['@serialNumber']).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const refs = ((bom.dependencies as XmlNode).dependency as XmlNode[]).map((d) => String(d['@ref']));
    expect(refs).toEqual([...refs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    const changed = imageSbom();
    changed.timestamp = new Date('2025-01-02T03:04:06Z');
    expect(parse(serializeCycloneDxXml(changed, '1.6'))['@serialNumber']).not.toBe(bom['@serialNumber']);
  });

  it('records occurrences as evidence from 1.5 on, the layer from 1.6 on', () => {
    const guava = (version: CycloneDxVersion) => components(parse(serializeCycloneDxXml(imageSbom(), version))).find((c) => c['@bom-ref'] === 'java-guava');
    const occurrences = (version: CycloneDxVersion) => ((guava(version)?.evidence as XmlNode | undefined)?.occurrences as XmlNode | undefined)?.occurrence as XmlNode[] | undefined;
    expect(occurrences('1.7')?.map((o) => [o.location, o.additionalContext])).toEqual([
      ['/opt/app/lib/guava-33.3.1-jre.jar', `layerID: sha256:${'b2'.repeat(32)}`],
      ['/opt/app/lib/guava-33.3.1-jre.jar', `layerID: sha256:${'a1'.repeat(32)}`],
    ]);
    expect(occurrences('1.5')?.map((o) => [o.location, o.additionalContext])).toEqual([
      ['/opt/app/lib/guava-33.3.1-jre.jar', undefined],
      ['/opt/app/lib/guava-33.3.1-jre.jar', undefined],
    ]);
    expect(guava('1.4')?.evidence).toBeUndefined();
  });

  it('marks a development package with scope excluded and the dev property', () => {
    const vitest = components(parse(serializeCycloneDxXml(projectSbom(), '1.6'))).find((c) => text(c.name) === 'vitest');
    expect(vitest?.scope).toBe('excluded');
    const properties = ((vitest?.properties as XmlNode).property as XmlNode[]).map((p) => [p['@name'], text(p)]);
    expect(properties).toContainEqual(['sealkit:package:dev', 'true']);
  });

  it('replaces what XML 1.0 cannot hold, and only that, by U+FFFD', () => {
    expect(xmlText('a\u0007b\ud800c\udc00d\uFFFEe')).toBe('a\uFFFDb\uFFFDc\uFFFDd\uFFFDe');
    expect(xmlText('tab\tline\ncr\r 📦 \u2028 ü')).toBe('tab\tline\ncr\r 📦 \u2028 ü');
    const bash = components(parse(serializeCycloneDxXml(imageSbom(), '1.6'))).find((c) => c['@bom-ref'] === 'deb-bash');
    const properties = new Map(((bash?.properties as XmlNode).property as XmlNode[]).map((p) => [String(p['@name']), text(p)]));
    expect(properties.get('sealkit:metadata:ünïcødé-キー')).toBe(xmlText(ODD_METADATA['ünïcødé-キー'] ?? ''));
    expect(properties.get('sealkit:metadata:lone-surrogate')).toBe('half a pair \uFFFD here');
  });

  it('is byte-identical for the same SBOM and independent of model order, ending in one newline', () => {
    const shuffled = imageSbom();
    shuffled.packages.reverse();
    shuffled.relationships.reverse();
    const xml = serializeCycloneDxXml(imageSbom(), '1.7');
    expect(serializeCycloneDxXml(shuffled, '1.7')).toBe(xml);
    expect(xml.endsWith('</bom>\n')).toBe(true);
  });

  it('rejects an inconsistent model as the JSON serializer does', () => {
    const sbom: Sbom = imageSbom();
    sbom.relationships.push({ from: 'deb-bash', to: 'nope', type: 'depends-on' });
    let error: unknown;
    try {
      serializeCycloneDxXml(sbom, '1.6');
    } catch (caught) {
      error = caught;
    }
    expect(isSealkitError(error, 'INVALID_ARGUMENT')).toBe(true);
  });
});
