import { operationIdOf } from "./operation-ids.ts"

type Json = Record<string, unknown>
interface Operation {
  operationId?: string
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Json }> }
}
export interface GeneratedDocument {
  readonly paths?: Record<string, object>
  readonly components?: { readonly schemas?: Record<string, object> }
}

const methods = new Set(["get", "put", "post", "delete", "patch", "head", "options", "trace"])

/** The schema a `$ref` names, or the schema itself. */
const resolve = (document: GeneratedDocument, schema: Json | undefined): Json | undefined => {
  const ref = schema?.$ref
  if (typeof ref !== "string") return schema
  return document.components?.schemas?.[ref.replace("#/components/schemas/", "")] as Json | undefined
}

/**
 * A body whose schema requires no key may be left out: the JSON validator takes no body as `{}` (start, stop, reboot,
 * a backup without options, every DELETE). hono-openapi marks every validated body required, so a typed client
 * could not compile `POST /vms/{id}/start` without a body the server does not need.
 */
const bodyIsOptional = (document: GeneratedDocument, operation: Operation) => {
  const schema = resolve(document, operation.requestBody?.content?.["application/json"]?.schema)
  if (schema === undefined || schema.type !== "object") return false
  return !Array.isArray(schema.required) || schema.required.length === 0
}

/**
 * What the generator cannot know, added to its document: readable operation ids (operation-ids.ts), optional bodies
 * where the server takes none, and the server the paths are relative to (the agent that serves the document).
 */
export const makePrecise = <D extends GeneratedDocument>(document: D): D => {
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const [method, operation] of Object.entries(item as Record<string, Operation>)) {
      if (!methods.has(method)) continue
      operation.operationId = operationIdOf(method, path)
      if (operation.requestBody !== undefined && bodyIsOptional(document, operation)) {
        operation.requestBody.required = false
      }
    }
  }
  return document
}
