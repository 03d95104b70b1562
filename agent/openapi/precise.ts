import { operationIdOf } from "./operation-ids.ts"

type Json = Record<string, unknown>
interface Operation {
  operationId?: string
  parameters?: Array<unknown>
  responses?: Record<string, unknown>
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
  const atLeast = typeof schema.minProperties === "number" ? schema.minProperties : 0
  return atLeast === 0 && (!Array.isArray(schema.required) || schema.required.length === 0)
}

/** The VM routes that take If-Match (agent/middleware/if-match.ts, mounted on /vms/{id} and below). */
const takesIfMatch = (path: string, method: string) => /^\/api\/v1\/vms\/\{id\}(\/|$)/.test(path) && method !== "get"

const ifMatchParameter = {
  in: "header",
  name: "If-Match",
  required: false,
  description: 'Act only while the VM has this version (its ETag, e.g. "12"); otherwise 412 and nothing changes',
  schema: { type: "string" },
}

const preconditionFailed = {
  description: "If-Match names a version the VM no longer has; the ETag header carries the current one",
  content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
}

/**
 * What the generator cannot know, added to its document: readable operation ids (operation-ids.ts), optional bodies
 * where the server takes none, If-Match and its 412 on the VM's routes that change something.
 */
export const makePrecise = <D extends GeneratedDocument>(document: D): D => {
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const [method, operation] of Object.entries(item as Record<string, Operation>)) {
      if (!methods.has(method)) continue
      operation.operationId = operationIdOf(method, path)
      if (operation.requestBody !== undefined && bodyIsOptional(document, operation)) {
        operation.requestBody.required = false
      }
      if (takesIfMatch(path, method)) {
        operation.parameters = [...(operation.parameters ?? []), ifMatchParameter]
        operation.responses = { ...operation.responses, 412: preconditionFailed }
      }
    }
  }
  return document
}
