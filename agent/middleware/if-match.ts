import { createMiddleware } from "hono/factory"
import type { AgentEnv } from "../env.ts"
import { apiErrors } from "../errors/messages.ts"

/** A VM's entity tag: its record's version, which every write bumps (GET /vms/{id} answers it as ETag). */
export const vmEntityTag = (version: number) => `"${version}"`

const entityTag = /^(W\/)?"([\x21\x23-\x7e\x80-\xff]*)"$/

/**
 * The versions an If-Match header names, compared strongly (RFC 9110 §13.1.1): `*` → undefined (any version),
 * `"12", "13"` → [12, 13]; a weak or foreign tag matches no version. A header that is not a list of entity tags is
 * refused as invalid input.
 */
export const expectedVersionsOf = (header: string): ReadonlyArray<number> | undefined | "malformed" => {
  if (header.trim() === "*") return undefined
  const tags = header.split(",").map((part) => part.trim())
  const versions: Array<number> = []
  for (const tag of tags) {
    const match = entityTag.exec(tag)
    if (match === null) return "malformed"
    const [, weak, opaque = ""] = match
    if (weak === undefined && /^\d{1,15}$/.test(opaque)) versions.push(Number(opaque))
  }
  return versions
}

const safe = new Set(["GET", "HEAD", "OPTIONS"])

/**
 * If-Match on a VM's routes that change something (PATCH, DELETE, actions): the core's operation runs only while
 * the VM still has a version the header names, checked again under the VM's lock; otherwise 412
 * precondition-failed and nothing changes.
 */
export const ifMatch = () =>
  createMiddleware<AgentEnv>(async (c, next) => {
    const header = c.req.header("If-Match")
    if (header !== undefined && !safe.has(c.req.method)) {
      const expected = expectedVersionsOf(header)
      if (expected === "malformed") throw apiErrors.invalidIfMatch()
      if (expected !== undefined) c.set("expectedVersions", expected)
    }
    await next()
  })
