/**
 * CycloneDX XML serializer for spec versions 1.7, 1.6, 1.5 and 1.4, through
 * `@cyclonedx/cyclonedx-library`'s XML serializer (which writes with `xmlbuilder2`). The document
 * holds what the JSON one holds: the same `Bom` (`cyclonedx-bom.ts`), the same occurrences as
 * `evidence`, dependencies sorted by ref, and a serial number derived from the content.
 *
 * XML 1.0 cannot carry every character JSON can: C0 controls other than tab, line feed and
 * carriage return, unpaired surrogates, U+FFFE and U+FFFF have no representation at all, not even
 * as character references. Each becomes U+FFFD, so that the document stays well-formed and says
 * where a value was altered.
 * @module
 */
import type * as Serialize from '@cyclonedx/cyclonedx-library/Serialize';
import type * as Models from '@cyclonedx/cyclonedx-library/Models';
import type { Sbom } from '../model.js';
import {
  buildBom,
  compareStrings,
  occurrencesByRef,
  SERIAL_NUMBER_NAMESPACE,
  SPECS,
  uuidOf,
  type CycloneDxVersion,
  type Occurrence,
} from './cyclonedx-bom.js';
import { cycloneDxSerialize } from './cyclonedx-library.js';
import { hashJson } from './json-text.js';

type XmlElement = Serialize.XML.Types.SimpleXml.Element;
type XmlChild = XmlElement | Serialize.XML.Types.SimpleXml.Comment;

/**
 * Serializes `sbom` as a CycloneDX XML document of spec `version`: UTF-8, indented with two
 * spaces, ending in a newline, byte-identical for the same input.
 * @throws {@link UsageError} `INVALID_ARGUMENT` when the model is inconsistent (as the JSON serializer).
 */
export function serializeCycloneDxXml(sbom: Sbom, version: CycloneDxVersion): string {
  const SealkitXmlSerializer = sealkitXmlSerializer();
  const serializer = new SealkitXmlSerializer(new (cycloneDxSerialize().XML.Normalize.Factory)(SPECS[version]), sbom, version);
  return `${serializer.serialize(buildBom(sbom), { sortLists: false, space: 2 })}\n`;
}

/** The UTF-8 bytes of {@link serializeCycloneDxXml}. */
export function encodeCycloneDxXml(sbom: Sbom, version: CycloneDxVersion): Buffer {
  return Buffer.from(serializeCycloneDxXml(sbom, version), 'utf8');
}

let serializerClass: ReturnType<typeof defineSerializer> | undefined;

/** The class below, defined once the library is loaded: on first use (see `cyclonedx-library.ts`). */
function sealkitXmlSerializer(): ReturnType<typeof defineSerializer> {
  serializerClass ??= defineSerializer(cycloneDxSerialize().XmlSerializer);
  return serializerClass;
}

/** The library's serializer, with sealkit's additions made to the normalized tree before it is written. */
function defineSerializer(XmlSerializer: typeof Serialize.XmlSerializer) {
  return class SealkitXmlSerializer extends XmlSerializer {
    readonly #sbom: Sbom;
    readonly #version: CycloneDxVersion;

    constructor(factory: Serialize.XML.Normalize.Factory, sbom: Sbom, version: CycloneDxVersion) {
      super(factory);
      this.#sbom = sbom;
      this.#version = version;
    }

    protected override _normalize(bom: Models.Bom, options?: Serialize.Types.NormalizerOptions): XmlElement {
      const root = materialize(super._normalize(bom, options));
      const children = root.children as XmlChild[];
      if (this.#version !== '1.4') {
        const occurrences = occurrencesByRef(this.#sbom, this.#version);
        for (const component of childElements(children, 'components').flatMap((list) => childElements(list.children, 'component'))) {
          const found = occurrences.get(String(component.attributes?.['bom-ref'] ?? ''));
          // evidence follows properties and nested components in the schema's sequence, and
          // nothing sealkit writes comes after it
          if (found !== undefined) (component.children as XmlChild[]).push(evidence(found, this.#version));
        }
      }
      for (const dependencies of childElements(children, 'dependencies')) {
        (dependencies.children as XmlChild[]).sort((a, b) => compareStrings(refOf(a), refOf(b)));
      }
      // over the compact JSON text of the normalized tree: the serial number changes with any content
      const serial = uuidOf(SERIAL_NUMBER_NAMESPACE, (hash) => hashJson(hash, root));
      root.attributes = { ...root.attributes, serialNumber: `urn:uuid:${serial}` };
      return root;
    }
  };
}

function evidence(occurrences: readonly Occurrence[], version: CycloneDxVersion): XmlElement {
  return element('evidence', [
    element(
      'occurrences',
      occurrences.map((occurrence) =>
        element('occurrence', [
          element('location', xmlText(occurrence.location)),
          ...(version !== '1.5' && occurrence.additionalContext !== undefined
            ? [element('additionalContext', xmlText(occurrence.additionalContext))]
            : []),
        ]),
      ),
    ),
  ]);
}

function element(name: string, children: XmlElement['children']): XmlElement {
  return { type: 'element', name, children };
}

function childElements(children: XmlElement['children'], name: string): XmlElement[] {
  if (children === undefined || typeof children !== 'object') return [];
  return [...children].filter((child): child is XmlElement => child.type === 'element' && child.name === name);
}

function refOf(child: XmlChild): string {
  return child.type === 'element' ? String(child.attributes?.ref ?? '') : '';
}

/**
 * A copy of the tree with every list of children an array (the normalizer may give any
 * iterable), every text and attribute value a string XML 1.0 can hold.
 */
function materialize(node: XmlElement): XmlElement {
  const copy: XmlElement = { ...node };
  if (node.attributes !== undefined) {
    copy.attributes = Object.fromEntries(
      Object.entries(node.attributes).map(([name, value]) => [name, typeof value === 'string' ? xmlText(value) : value]),
    );
  }
  if (typeof node.children === 'string') copy.children = xmlText(node.children);
  else if (node.children !== undefined && typeof node.children === 'object') {
    copy.children = [...node.children].map((child) => (child.type === 'element' ? materialize(child) : child));
  }
  return copy;
}

/** Characters XML 1.0 cannot represent in any form, as one replacement character each. */
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `text` with what XML 1.0 cannot hold replaced by U+FFFD. */
export function xmlText(text: string): string {
  return text.replace(NOT_XML, '\uFFFD');
}
