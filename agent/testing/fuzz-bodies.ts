import type { FuzzTargets } from "./fuzz-cases.ts"
import type { Random } from "./fuzz-random.ts"

export type FieldType = "string" | "id" | "int" | "bool" | "array" | "object" | "date" | "enum"

/** Values that can never pass as the given type. */
export const wrongValues = (type: FieldType, r: Random): ReadonlyArray<unknown> => {
  const long = "x".repeat(4100 + r.int(2000))
  switch (type) {
    case "string":
      return [42, true, [], {}, null, long, "nul\u0000byte", ["a"]]
    case "id":
      return [42, false, [], {}, null, "has space", "x".repeat(65), "-leading", "中文", "a\nb", ""]
    case "int":
      return ["3", 3.5, true, [], {}, null, -0.5, "1e3"]
    case "bool":
      return ["true", 1, 0, null, [], {}, "yes"]
    case "array":
      return ["x", 5, {}, null, true, [{ nested: true }], [null]]
    case "object":
      return [[], "x", 5, null, { key: 5 }, { key: null }, { "": ["v"] }]
    case "date":
      return ["tomorrow", 5, "2027-13-45", true, "31/01/2027", [], {}]
    case "enum":
      return ["telnet", 5, null, [], "PASSWORD"]
  }
}

export interface BodyRoute {
  readonly method: string
  readonly path: string
  readonly base: Record<string, unknown>
  readonly fields: Readonly<Record<string, FieldType>>
  /** The fields a body cannot do without. */
  readonly required?: ReadonlyArray<string>
}

const scheduleFields: Readonly<Record<string, FieldType>> = {
  period: "enum",
  minute: "int",
  hour: "int",
  dayOfWeek: "int",
  dayOfMonth: "int",
  timeZone: "string",
  retention: "int",
  enabled: "bool",
}
const schedule = { base: { period: "daily", minute: 0, retention: 3 }, required: ["period", "minute", "retention"] }

/** Every route with a JSON body: a valid body, and the type of each field it takes. */
export const bodyRoutes = (t: FuzzTargets): ReadonlyArray<BodyRoute> => [
  {
    method: "POST",
    path: "/api/v1/vms",
    base: { imageId: t.imageId, flavorId: t.flavorId, name: "fuzz_vm", start: false },
    required: ["imageId", "flavorId"],
    fields: {
      imageId: "id",
      flavorId: "id",
      name: "string",
      count: "int",
      tags: "object",
      remarks: "string",
      reclaimAt: "date",
      dataDisks: "array",
      affinityGroupIds: "array",
      dedicatedHost: "bool",
      loginMethod: "enum",
      keyPairId: "id",
      password: "string",
      components: "array",
      haEnabled: "bool",
      start: "bool",
    },
  },
  {
    method: "POST",
    path: "/api/v1/vms/quote",
    base: { imageId: t.imageId, flavorId: t.flavorId },
    required: ["imageId", "flavorId"],
    fields: { imageId: "id", flavorId: "id", ownerId: "id", count: "int", dataDisks: "array" },
  },
  {
    method: "PATCH",
    path: `/api/v1/vms/${t.vmId}`,
    base: { remarks: "fuzzed" },
    fields: {
      displayName: "string",
      remarks: "string",
      reclaimAt: "date",
      haEnabled: "bool",
      deletionProtected: "bool",
    },
  },
  {
    method: "POST",
    path: `/api/v1/vms/${t.vmId}/stop`,
    base: {},
    fields: { force: "bool", detachDevices: "bool" },
  },
  { method: "POST", path: `/api/v1/vms/${t.vmId}/reboot`, base: {}, fields: { force: "bool" } },
  {
    method: "POST",
    path: "/api/v1/batch",
    base: { action: "stop", vmIds: [t.vmId] },
    fields: { action: "string", vmIds: "array", force: "bool", destroy: "bool", withMemory: "bool", name: "string" },
    required: ["action", "vmIds"],
  },
  {
    method: "POST",
    path: `/api/v1/vms/${t.vmId}/snapshots`,
    base: {},
    fields: { name: "string", withMemory: "bool" },
  },
  {
    method: "POST",
    path: `/api/v1/vms/${t.vmId}/snapshot-schedules`,
    ...schedule,
    fields: { ...scheduleFields, withMemory: "bool" },
  },
  {
    method: "POST",
    path: `/api/v1/vms/${t.vmId}/disks/${t.diskId}/backup-schedules`,
    ...schedule,
    fields: scheduleFields,
  },
  // No such backup: the defect must be refused before the lookup would answer 404.
  { method: "POST", path: `/api/v1/backups/${t.vmId}/restore`, base: {}, fields: { name: "string" } },
  {
    method: "POST",
    path: "/api/v1/tokens",
    base: { name: "fuzz" },
    required: ["name"],
    fields: { name: "string", userId: "id", expiresDays: "int" },
  },
  {
    method: "POST",
    path: "/api/v1/users",
    base: { name: "fuzz", email: "fuzz@example.test", role: "user", departmentId: t.vmId },
    required: ["name", "email", "role", "departmentId"],
    fields: { name: "string", email: "string", role: "enum", departmentId: "id" },
  },
  {
    method: "PATCH",
    path: `/api/v1/departments/${t.vmId}`,
    base: { name: "fuzz" },
    fields: { name: "string", reclaimPolicy: "enum", reclaimNoticeDays: "int" },
  },
]
