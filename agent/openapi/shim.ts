import { Schema } from "effect"
import { loadVendor } from "hono-openapi"

/**
 * hono-openapi's JSON Schema step calls Effect 3's JSONSchema.make, which Effect 4 no longer has: teach it Effect 4's
 * own generator. Named schemas (`identifier` annotations) travel as $defs, which hono-openapi lifts to components.
 */
loadVendor("effect", {
  toJSONSchema: (schema) => {
    const document = Schema.toJsonSchemaDocument(schema as unknown as Schema.Top)
    return Object.keys(document.definitions).length === 0
      ? document.schema
      : { ...document.schema, $defs: document.definitions }
  },
})
