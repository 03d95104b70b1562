import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { type CloneContext, cloneDemand, cloneRules } from "./clone.ts"
import { domainJoinComponent } from "./resources.ts"
import { refusedBy, sampleDisk, sampleQuota, sampleUsage, sampleVm, sampleVmContext } from "./testing.ts"

const clone = (overrides: Partial<CloneContext> = {}): CloneContext => ({
  ...sampleVmContext(),
  quota: sampleQuota(),
  usage: sampleUsage(),
  demand: cloneDemand(sampleVm(), [sampleDisk({ role: "system", sizeGiB: 20 }), sampleDisk()]),
  name: "web_02",
  password: null,
  components: [],
  subnets: [{ name: "shared-1", freeIps: 3 }],
  ...overrides,
})

describe("R8 clone", () => {
  it("R8 a clone with a new name and free IPs passes", () => assert.equal(refusedBy(cloneRules, clone()), undefined))
  it("R8 network-free-ips: fails when a source network has no free IP", () =>
    assert.equal(
      refusedBy(
        cloneRules,
        clone({
          subnets: [
            { name: "shared-1", freeIps: 3 },
            { name: "vpc-a", freeIps: 0 },
          ],
        }),
      ),
      "network-free-ips",
    ))
  it("R8 domain-join-windows-only: only Windows clones may join a domain", () => {
    assert.equal(refusedBy(cloneRules, clone({ components: [domainJoinComponent] })), "domain-join-windows-only")
    assert.equal(refusedBy(cloneRules, clone({ components: [domainJoinComponent], osFamily: "windows" })), undefined)
  })
  it("R8 name-format: the new display name follows the name format", () =>
    assert.equal(refusedBy(cloneRules, clone({ name: "-" })), "name-format"))
  it("R8 password-format: a new password given by hand follows R11", () =>
    assert.equal(refusedBy(cloneRules, clone({ password: "short" })), "password-format"))
  it("G2 quota-disk: a clone counts all its disks", () => {
    assert.deepEqual(clone().demand, { cpus: 2, memoryMiB: 4096, diskGiB: 70, vmCount: 1 })
    assert.equal(refusedBy(cloneRules, clone({ quota: sampleQuota({ diskGiB: 250 }) })), "quota-disk")
  })
})
