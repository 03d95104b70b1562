import assert from "node:assert/strict"
import { describe, it } from "node:test"
import {
  hostCapacity,
  hostDedicated,
  hostUp,
  type MigrateContext,
  migrateNoPassthrough,
  migrateOtherHost,
  migrateRules,
} from "./migrate.ts"
import { messageOf } from "./rule.ts"
import {
  assertAllows,
  assertRefuses,
  refusedBy,
  sampleActor,
  sampleFacts,
  sampleHost,
  sampleHostUsage,
  sampleVmContext,
} from "./testing.ts"

const migrate = (overrides: Partial<MigrateContext> = {}): MigrateContext => ({
  ...sampleVmContext({ actor: sampleActor({ role: "superadmin" }) }),
  targetHost: sampleHost(),
  targetUsage: sampleHostUsage(),
  ...overrides,
})

describe("R9 migrate", () => {
  it("R9 migrate-other-host: allows another host", () => assertAllows(migrateOtherHost, migrate()))
  it("R9 migrate-other-host: refuses the VM's own host", () =>
    assertRefuses(migrateOtherHost, migrate({ targetHost: sampleHost({ id: "host-1" }) })))

  it("R9 host-up: allows a host that is up", () => assertAllows(hostUp, migrate()))
  it("R9 host-up: refuses a host in maintenance", () =>
    assertRefuses(hostUp, migrate({ targetHost: sampleHost({ state: "maintenance" }) })))
  it("R9 host-up: says why in both languages (maintenance, 维护中)", () => {
    const message = messageOf(hostUp, migrate({ targetHost: sampleHost({ name: "node-a", state: "maintenance" }) }))
    assert.equal(message.en, "Host node-a is not available (maintenance)")
    assert.equal(message.zh, "主机 node-a 当前不可用（维护中）")
  })

  it("R9 C3 host-dedicated: allows a host dedicated to the VM's department", () =>
    assertAllows(hostDedicated, migrate({ targetHost: sampleHost({ dedicatedDepartmentId: "dept-1" }) })))
  it("R9 C3 host-dedicated: refuses a host dedicated to another department", () =>
    assertRefuses(hostDedicated, migrate({ targetHost: sampleHost({ dedicatedDepartmentId: "dept-2" }) })))

  it("R9 host-capacity: allows a host with room", () => assertAllows(hostCapacity, migrate()))
  it("R9 host-capacity: refuses a host short of memory", () =>
    assertRefuses(hostCapacity, migrate({ targetUsage: sampleHostUsage({ memoryMiBFree: 2048 }) })))

  it("R9 migrate-no-passthrough: allows a VM without passthrough devices", () =>
    assertAllows(migrateNoPassthrough, migrate()))
  it("R9 X1 migrate-no-passthrough: refuses a VM with a GPU", () =>
    assertRefuses(migrateNoPassthrough, migrate({ facts: sampleFacts({ gpus: 1 }) })))

  it("R9 a superadmin migrates a running VM", () => assert.equal(refusedBy(migrateRules, migrate()), undefined))
  it("R9 superadmin-only: an admin may not migrate", () =>
    assert.equal(refusedBy(migrateRules, migrate({ actor: sampleActor({ role: "admin" }) })), "superadmin-only"))
  it("R9 lifecycle-state: only a running VM migrates", () => {
    const stopped = migrate()
    assert.equal(refusedBy(migrateRules, { ...stopped, vm: { ...stopped.vm, state: "stopped" } }), "lifecycle-state")
  })
})
