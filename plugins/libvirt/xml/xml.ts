/** A tiny XML writer: enough for libvirt's domain and device documents, with escaping done in one place. */

type AttributeValue = string | number | undefined

export interface XmlElement {
  readonly name: string
  readonly attributes: ReadonlyArray<readonly [string, AttributeValue]>
  readonly children: ReadonlyArray<XmlNode>
}
export type XmlNode = XmlElement | string

/** Text content: `&`, `<` and `>` become entities. */
export const escapeText = (text: string) =>
  text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")

/** Attribute values are written in single quotes (libvirt's own style); both quote kinds are escaped anyway. */
export const escapeAttribute = (value: string) => escapeText(value).replaceAll("'", "&apos;").replaceAll('"', "&quot;")

/** An element; attributes whose value is undefined are left out, and so are children that are undefined or false. */
export const el = (
  name: string,
  attributes: Readonly<Record<string, AttributeValue>> = {},
  ...children: ReadonlyArray<XmlNode | ReadonlyArray<XmlNode> | undefined | false>
): XmlElement => ({
  name,
  attributes: Object.entries(attributes),
  children: children.flatMap((child) =>
    child === undefined || child === false ? [] : typeof child === "string" || !Array.isArray(child) ? [child] : child,
  ) as ReadonlyArray<XmlNode>,
})

/** `<name>text</name>` */
export const textEl = (
  name: string,
  text: string | number,
  attributes: Readonly<Record<string, AttributeValue>> = {},
) => el(name, attributes, String(text))

const openTag = (element: XmlElement) => {
  const attributes = element.attributes
    .filter((entry): entry is readonly [string, string | number] => entry[1] !== undefined)
    .map(([key, value]) => ` ${key}='${escapeAttribute(String(value))}'`)
    .join("")
  return `<${element.name}${attributes}`
}

/** Two-space indentation, one element per line; an element holding only text stays on one line. */
export const renderXml = (element: XmlElement, depth = 0): string => {
  const indent = "  ".repeat(depth)
  const head = `${indent}${openTag(element)}`
  if (element.children.length === 0) return `${head}/>\n`
  if (element.children.every((child) => typeof child === "string")) {
    return `${head}>${element.children.map((child) => escapeText(child as string)).join("")}</${element.name}>\n`
  }
  const body = element.children
    .map((child) => (typeof child === "string" ? `${indent}  ${escapeText(child)}\n` : renderXml(child, depth + 1)))
    .join("")
  return `${head}>\n${body}${indent}</${element.name}>\n`
}
