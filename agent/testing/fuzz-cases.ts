/** Malformed requests for the fuzz test: every case has at least one defect that must earn a 4xx JSON error. */
import { bodyRoutes, wrongValues } from "./fuzz-bodies.ts"
import { type Random, random } from "./fuzz-random.ts"

export interface FuzzCase {
  readonly kind: string
  readonly method: string
  readonly path: string
  readonly headers: Readonly<Record<string, string>>
  readonly body?: string
}

export interface FuzzTargets {
  /** A VM the caller may see, so only the defect itself can stop a request. */
  readonly vmId: string
  /** A disk of that VM. */
  readonly diskId: string
  readonly flavorId: string
  readonly imageId: string
  /** A valid bearer secret. */
  readonly token: string
  /** Larger bodies must be refused with 413. */
  readonly bodyLimitBytes: number
}

const json = (token: string) => ({ Authorization: `Bearer ${token}`, "Content-Type": "application/json" })
const auth = (token: string) => ({ Authorization: `Bearer ${token}` })

/** The generators, one per kind of defect; each returns one case. */
const generators = (t: FuzzTargets): ReadonlyArray<(r: Random) => FuzzCase> => {
  const routes = bodyRoutes(t)
  const idPaths = [
    "GET /api/v1/vms/{id}",
    "PATCH /api/v1/vms/{id}",
    "DELETE /api/v1/vms/{id}",
    "POST /api/v1/vms/{id}/start",
    "POST /api/v1/vms/{id}/stop",
    "POST /api/v1/vms/{id}/password",
    "GET /api/v1/vms/{id}/snapshots",
    "POST /api/v1/vms/{id}/snapshots",
    "GET /api/v1/vms/{id}/snapshot-schedules",
    "GET /api/v1/vms/{id}/disks",
    `GET /api/v1/vms/{id}/disks/${t.diskId}/backups`,
    `POST /api/v1/vms/{id}/disks/${t.diskId}/backups`,
    `GET /api/v1/vms/${t.vmId}/disks/{id}/backup-schedules`,
    `POST /api/v1/vms/${t.vmId}/snapshots/{id}/rollback`,
    `DELETE /api/v1/vms/${t.vmId}/snapshots/{id}`,
    `DELETE /api/v1/vms/${t.vmId}/snapshot-schedules/{id}`,
    `DELETE /api/v1/vms/${t.vmId}/disks/${t.diskId}/backup-schedules/{id}`,
    "POST /api/v1/backups/{id}/restore",
    "DELETE /api/v1/backups/{id}",
    "GET /api/v1/tasks/{id}",
    "GET /api/v1/flavors/{id}",
    "GET /api/v1/images/{id}",
    "GET /api/v1/hosts/{id}",
    "PUT /api/v1/hosts/{id}/maintenance",
    "DELETE /api/v1/hosts/{id}/maintenance",
    "POST /api/v1/recycle-bin/{id}/restore",
    "DELETE /api/v1/recycle-bin/{id}",
    "GET /api/v1/departments/{id}",
    "PATCH /api/v1/departments/{id}",
    "PUT /api/v1/departments/{id}/quota",
    "DELETE /api/v1/tokens/{id}",
  ]
  const badIds = [
    "%20",
    "%00",
    "x".repeat(65),
    "%E4%B8%AD",
    "-x",
    ".hidden",
    "a%2Fb",
    "00000000-0000-0000-0000-000000000000",
    "no-such-vm",
    "%ZZ",
  ]
  const badQueries: ReadonlyArray<readonly [string, string]> = [
    ["GET /api/v1/vms", "limit=-1"],
    ["GET /api/v1/vms", "limit=abc"],
    ["GET /api/v1/vms", "limit=501"],
    ["GET /api/v1/vms", "offset=1.5"],
    ["GET /api/v1/vms", "sort=password"],
    ["GET /api/v1/vms", "order=sideways"],
    ["GET /api/v1/vms", "state=asleep"],
    ["GET /api/v1/vms", "columns=passwordCipher"],
    ["GET /api/v1/vms", "tag=nocolon"],
    ["GET /api/v1/vms", "view=all"],
    ["GET /api/v1/vms", "ownerId=a%20b"],
    ["GET /api/v1/vms", `search=${"s".repeat(300)}`],
    ["GET /api/v1/vms", "search=%00"],
    ["GET /api/v1/vms", "limit=1&limit=2"],
    ["GET /api/v1/vms", "unknown=1"],
    ["GET /api/v1/vms/export.xlsx", "limit=5"],
    ["GET /api/v1/vms/export.xlsx", "columns=nope"],
    ["GET /api/v1/recycle-bin", "state=gone"],
    ["GET /api/v1/tasks", "state=done"],
    ["GET /api/v1/tasks", "limit=0"],
    ["GET /api/v1/tasks", "vmId=a%20b"],
    [`DELETE /api/v1/vms/${t.vmId}`, "destroy=maybe"],
    [`DELETE /api/v1/vms/${t.vmId}`, "deleteDataDisks=2"],
    [`DELETE /api/v1/recycle-bin/${t.vmId}`, "deleteDataDisks=yes"],
  ]
  const wrongMethods: ReadonlyArray<readonly [string, ReadonlyArray<string>]> = [
    ["/api/v1/vms", ["PUT", "PATCH", "DELETE"]],
    [`/api/v1/vms/${t.vmId}`, ["PUT", "POST"]],
    [`/api/v1/vms/${t.vmId}/start`, ["GET", "PUT", "PATCH", "DELETE"]],
    ["/api/v1/vms/export.xlsx", ["POST", "PUT"]],
    ["/api/v1/batch", ["GET", "PUT", "DELETE", "PATCH"]],
    [`/api/v1/vms/${t.vmId}/snapshots`, ["PUT", "PATCH", "DELETE"]],
    [`/api/v1/vms/${t.vmId}/disks`, ["POST", "DELETE"]],
    [`/api/v1/vms/${t.vmId}/disks/${t.diskId}/backup-schedules`, ["PUT", "DELETE"]],
    [`/api/v1/backups/${t.vmId}`, ["GET", "PUT", "PATCH"]],
    ["/api/v1/tasks", ["POST", "DELETE"]],
    ["/api/v1/flavors", ["POST", "PUT"]],
    [`/api/v1/hosts/${t.vmId}`, ["DELETE", "PATCH"]],
    [`/api/v1/hosts/${t.vmId}/maintenance`, ["GET", "POST", "PATCH"]],
    ["/api/v1/recycle-bin", ["POST", "DELETE"]],
    ["/api/v1/openapi.json", ["POST", "DELETE"]],
  ]
  const deleteRoutes = [
    `/api/v1/vms/${t.vmId}`,
    `/api/v1/vms/${t.vmId}?destroy=false`,
    `/api/v1/recycle-bin/${t.vmId}`,
    `/api/v1/vms/${t.vmId}/snapshots/${t.vmId}`,
    `/api/v1/vms/${t.vmId}/snapshot-schedules/${t.vmId}`,
    `/api/v1/vms/${t.vmId}/disks/${t.diskId}/backup-schedules/${t.vmId}`,
    `/api/v1/backups/${t.vmId}`,
  ]
  const deleteBodies = [
    { destroy: true },
    { deleteDataDisks: true, destroy: true },
    { force: true },
    { id: t.vmId },
    { confirm: "yes" },
  ]
  /** Paths that are only safe if they are not decoded twice or resolved: dot segments, encoded slashes, NULs. */
  const encodedPaths = [
    "/api/v1/vms/%2e%2e/tasks",
    "/api/v1/vms/%2E%2E/tasks",
    "/api/v1/vms/.%2e/tasks",
    `/api/v1/vms/${t.vmId}/%2e%2e/%2e%2e/tasks`,
    "/api/v1/vms/%2e/openapi.json",
    "/api/v1/vms/%252e%252e/tasks",
    `/api/v1/vms/${t.vmId}%2f..%2fstart`,
    `/api/v1/vms/${t.vmId}%2Fstart`,
    "/api/v1/vms/%2e%2e%2ftasks",
    `/api/v1/vms/${t.vmId}%00`,
    "/api/v1/vms/%c0%ae%c0%ae/tasks",
    "/api/v1/tasks/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    `/api/v1/vms/${t.vmId}/disks/%2e%2e`,
  ]
  const badTokens = ["", "Bearer", "Bearer ", "Bearer hx_", "Basic dXNlcjpwYXNz", "bearer", "Token abc", "Bearer a b"]
  const brokenJson = ['{"a":', "{", "[1,", "nul", "{'a':1}", '{"a":}', "}{", '{"a" 1}', "\u0001", "tru"]
  return [
    (r) => {
      const route = r.pick(routes)
      const field = r.pick(Object.keys(route.fields))
      const type = route.fields[field] ?? "string"
      const body = { ...route.base, [field]: r.pick(wrongValues(type, r)) }
      return {
        kind: "wrong type",
        method: route.method,
        path: route.path,
        headers: json(t.token),
        body: JSON.stringify(body),
      }
    },
    (r) => {
      const route = r.pick(routes)
      const body = { ...route.base, [`x${r.text(6).replace(/\W/g, "_")}`]: r.pick([1, "a", null, [], {}]) }
      return {
        kind: "unknown field",
        method: route.method,
        path: route.path,
        headers: json(t.token),
        body: JSON.stringify(body),
      }
    },
    (r) => {
      const route = r.pick(routes.filter((candidate) => candidate.required !== undefined))
      const body: Record<string, unknown> = { ...route.base }
      delete body[r.pick(route.required ?? [])]
      return {
        kind: "missing field",
        method: route.method,
        path: route.path,
        headers: json(t.token),
        body: JSON.stringify(body),
      }
    },
    (r) => {
      const route = r.pick(routes)
      let body = r.pick(brokenJson)
      // a cut that leaves nothing is no body, which is no options, not broken JSON
      if (r.int(2) === 0) body = JSON.stringify(route.base).slice(0, -1 - r.int(3)) || "{"
      return { kind: "broken JSON", method: route.method, path: route.path, headers: json(t.token), body }
    },
    (r) => {
      const route = r.pick(routes)
      const body = r.pick(["[]", "5", '"text"', "null", "[{}]", "true"])
      return { kind: "not an object", method: route.method, path: route.path, headers: json(t.token), body }
    },
    (r) => {
      const [method, template] = r.pick(idPaths).split(" ") as [string, string]
      const hasBody = method === "PATCH"
      return {
        kind: "bad id",
        method,
        path: template.replace("{id}", r.pick(badIds)),
        headers: hasBody ? json(t.token) : auth(t.token),
        ...(hasBody ? { body: JSON.stringify({ remarks: "x" }) } : {}),
      }
    },
    (r) => {
      const [target, query] = r.pick(badQueries)
      const [method, path] = target.split(" ") as [string, string]
      return { kind: "bad query", method, path: `${path}?${query}`, headers: auth(t.token) }
    },
    (r) => {
      const [path, methods] = r.pick(wrongMethods)
      return { kind: "wrong method", method: r.pick(methods), path, headers: auth(t.token) }
    },
    (r) => {
      const route = r.pick(routes)
      const token = r.pick([
        ...badTokens,
        `Bearer hx_${r.text(20).replace(/\W/g, "a")}`,
        `Bearer hx_${"z".repeat(300)}`,
      ])
      return {
        kind: "bad token",
        method: route.method,
        path: route.path,
        headers: { Authorization: token, "Content-Type": "application/json" },
        body: JSON.stringify(route.base),
      }
    },
    (r) => {
      const route = r.pick(routes)
      const padding = "p".repeat(t.bodyLimitBytes + 1 + r.int(4 * t.bodyLimitBytes))
      return {
        kind: "oversized body",
        method: route.method,
        path: route.path,
        headers: json(t.token),
        body: JSON.stringify({ ...route.base, remarks: padding }),
      }
    },
    (r) => {
      const route = r.pick(routes)
      return {
        kind: "not JSON",
        method: route.method,
        path: route.path,
        headers: {
          ...auth(t.token),
          "Content-Type": r.pick(["text/plain", "application/x-www-form-urlencoded", "application/xml"]),
        },
        body: r.pick(["force=true", "<vm/>", "start please"]),
      }
    },
    (r) => ({
      kind: "body on DELETE",
      method: "DELETE",
      path: r.pick(deleteRoutes),
      headers: json(t.token),
      body: JSON.stringify(r.pick(deleteBodies)),
    }),
    (r) => {
      // A byte-order mark before JSON that would otherwise be accepted: JSON has none (RFC 8259 §8.1).
      const route = r.pick(routes)
      const bom = r.pick(["\uFEFF", "\uFEFF\uFEFF", "\uFFFE", "\u00EF\u00BB\u00BF"])
      return {
        kind: "byte-order mark",
        method: route.method,
        path: route.path,
        headers: json(t.token),
        body: `${bom}${JSON.stringify(route.base)}`,
      }
    },
    (r) => ({
      kind: "encoded path",
      method: r.pick(["GET", "POST", "DELETE"]),
      path: r.pick(encodedPaths),
      headers: auth(t.token),
    }),
  ]
}

/** At least `count` cases, cycling through every kind of defect. */
export const fuzzCases = (targets: FuzzTargets, count: number, seed = 20261126): ReadonlyArray<FuzzCase> => {
  const r = random(seed)
  const kinds = generators(targets)
  return Array.from({ length: count }, (_, index) => (kinds[index % kinds.length] as (r: Random) => FuzzCase)(r))
}
