import assert from "node:assert/strict"
import { describe, it } from "node:test"
import type { PlacementRequest } from "./candidate.ts"
import { brokenAtStart } from "./stay.ts"
import { candidate } from "./testing.ts"

const vm: PlacementRequest = { cpus: 2, memoryMiB: 2048, count: 1, departmentId: "dept-1", dedicated: false }
const rule = (c: ReturnType<typeof brokenAtStart>) => c?.rule

describe("a stopped VM's own host at its start (#16)", () => {
  it("R10 an anti-affinity member already there, an affinity group gathered elsewhere: the group's rule", () => {
    const apart = { ...vm, groups: [{ id: "g", policy: "anti-affinity" as const }] }
    const hosts = [candidate("a", {}, { groupIds: new Set(["g"]) }), candidate("b")]
    assert.equal(rule(brokenAtStart(hosts, apart, "a")), "anti-affinity-group")
    assert.equal(rule(brokenAtStart(hosts, apart, "b")), undefined)
    const together = { ...vm, groups: [{ id: "g", policy: "affinity" as const }] }
    assert.equal(rule(brokenAtStart(hosts, together, "b")), "affinity-group")
    assert.equal(rule(brokenAtStart(hosts, together, "a")), undefined)
  })

  it("#16 no room left (the release policy): no-host-capacity; state, zone and dedication are not asked again", () => {
    const full = candidate("a", {}, { memoryMiBUsed: 16384 - 1024 })
    assert.equal(rule(brokenAtStart([full], vm, "a")), "no-host-capacity")
    const drained = candidate("a", { dedicatedDepartmentId: "other", zone: "z9" }, { state: "maintenance" })
    assert.equal(rule(brokenAtStart([drained], { ...vm, zone: "z1" }, "a")), undefined)
    assert.equal(rule(brokenAtStart([drained], vm, "gone")), undefined, "a host placement does not know: left alone")
  })
})
