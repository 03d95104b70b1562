/**
 * Readable operation ids (`listVms`, `getVm`, `startVm`, `createVmDiskBackup`): what a generated client names its
 * methods. Derived from the method and the path by one rule, so a new route gets one without a hand-kept list:
 * - a path ending in a parameter is an item: GET get, PATCH update, DELETE delete, PUT set;
 * - a path ending in a plural word is a collection: GET list, POST create (the item's name);
 * - any other last word is an action on what precedes it: POST start → startVm; PUT/DELETE on a flag (retired,
 *   maintenance, quota) set/clear it.
 * The few routes the rule names badly are listed in `named`.
 */
const named: Readonly<Record<string, string>> = {
  "GET /api/v1/openapi.json": "getOpenApiDocument",
  "GET /api/v1/events": "openEventStream",
  "GET /api/v1/console/{ticket}": "openConsole",
  "POST /api/v1/vms/{id}/console": "createConsoleTicket",
  "GET /api/v1/vms/export.xlsx": "exportVms",
  "POST /api/v1/vms/{id}/sockets": "setVmSockets",
  "POST /api/v1/vms/{id}/password": "revealVmPassword",
  "POST /api/v1/vms/{id}/reset-password": "resetVmPassword",
  "POST /api/v1/batch": "runBatch",
  "GET /api/v1/recycle-bin": "listRecycleBin",
  "POST /api/v1/recycle-bin/{id}/restore": "restoreRecycledVm",
  "DELETE /api/v1/recycle-bin/{id}": "purgeRecycledVm",
  "GET /api/v1/vms/{id}/metrics": "getVmMetrics",
  "GET /api/v1/vms/{id}/costs": "getVmCosts",
}

const camel = (words: ReadonlyArray<string>) =>
  words
    .flatMap((word) => word.split(/[-_.]/))
    .filter((word) => word !== "")
    .map((word, index) => (index === 0 ? word : word.charAt(0).toUpperCase() + word.slice(1)))
    .join("")

const capital = (word: string) => word.charAt(0).toUpperCase() + word.slice(1)

const singular = (word: string) =>
  word.endsWith("ies") ? `${word.slice(0, -3)}y` : word.endsWith("s") ? word.slice(0, -1) : word

const isParameter = (segment: string) => segment.startsWith("{")
const isPlural = (word: string) => word.endsWith("s") && !word.endsWith("ss")

export const operationIdOf = (method: string, path: string): string => {
  const verb = method.toUpperCase()
  const known = named[`${verb} ${path}`]
  if (known !== undefined) return known
  const segments = path.replace(/^\/api\/v1\//, "").split("/")
  const words = segments.filter((segment) => !isParameter(segment))
  const last = segments.at(-1) ?? ""
  const owners = (upTo: number) => words.slice(0, upTo).map(singular)
  if (isParameter(last)) {
    const itemVerb = { GET: "get", PATCH: "update", DELETE: "delete", PUT: "set", POST: "post" }[verb] ?? "call"
    return camel([itemVerb, ...owners(words.length)])
  }
  const lastWord = words.at(-1) ?? ""
  if (isPlural(lastWord)) {
    if (verb === "GET") return camel(["list", ...owners(words.length - 1), lastWord])
    if (verb === "POST") return camel(["create", ...owners(words.length)])
  }
  if (verb === "GET") return camel(["get", ...owners(words.length)])
  if (verb === "PUT") return camel(["set", ...owners(words.length - 1), capital(lastWord)])
  if (verb === "DELETE") return camel(["clear", ...owners(words.length - 1), capital(lastWord)])
  return camel([lastWord, ...owners(words.length - 1)])
}
