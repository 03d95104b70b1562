import { Schema } from "effect"
import { loadVendor } from "hono-openapi"

/**
 * The annotation key that replaces a schema's generated JSON Schema in the OpenAPI document (see `documentedAs`).
 * Effect describes a codec by its encoded side: a query parameter decoded from text to an integer comes out as
 * `{ "type": "string" }`, while OpenAPI describes a query parameter by its value (`?limit=5` is an integer 5).
 */
const overrideKey = "openapiSchema"

type Json = Readonly<Record<string, unknown>>

/** The JSON Schema the document shows for `schema`, instead of the one Effect derives from its encoded side. */
export const documentedAs = <S extends Schema.Top>(schema: S, jsonSchema: Json): S["Rebuild"] =>
  schema.annotate({ [overrideKey]: jsonSchema })

const isObject = (node: unknown): node is Json => node !== null && typeof node === "object" && !Array.isArray(node)

/** The override a generated node carries: on itself, or in an `allOf` member (where Effect puts a check's keys). */
const overrideOf = (node: Json): Json | undefined => {
  if (isObject(node[overrideKey])) return node[overrideKey]
  const members = Array.isArray(node.allOf) ? node.allOf : []
  const member = members.find((m): m is Json => isObject(m) && isObject(m[overrideKey]))
  return member === undefined ? undefined : (member[overrideKey] as Json)
}

/** Every node with an override becomes it (keeping the node's description when the override has none). */
const applyOverrides = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(applyOverrides)
  if (!isObject(node)) return node
  const override = overrideOf(node)
  if (override !== undefined) {
    return typeof node.description === "string" && override.description === undefined
      ? { ...override, description: node.description }
      : override
  }
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, applyOverrides(value)]))
}

/**
 * hono-openapi's JSON Schema step calls Effect 3's JSONSchema.make, which Effect 4 no longer has: teach it Effect 4's
 * own generator. Named schemas (`identifier` annotations) travel as $defs, which hono-openapi lifts to components.
 */
loadVendor("effect", {
  toJSONSchema: (schema) => {
    const document = Schema.toJsonSchemaDocument(schema as unknown as Schema.Top, {
      includeAnnotationKey: (key) => key === overrideKey,
    })
    const definitions = applyOverrides(document.definitions) as Json
    const root = applyOverrides(document.schema) as Json
    return Object.keys(definitions).length === 0 ? root : { ...root, $defs: definitions }
  },
})
