import assert from "node:assert/strict"
import { describe, it } from "node:test"
import type { Vm } from "../model/vm.ts"
import {
  configRules,
  differentFlavor,
  type ReinstallContext,
  type ResizeContext,
  reinstallDemand,
  resizeDemand,
} from "./config.ts"
import {
  assertAllows,
  assertRefuses,
  refusedBy,
  sampleFacts,
  sampleFlavor,
  sampleImage,
  sampleQuota,
  sampleUsage,
  sampleVm,
  sampleVmContext,
} from "./testing.ts"

const bigger = sampleFlavor({ id: "flavor-8c16g", name: "8C16G", cpus: 8, memoryMiB: 16384 })
const resize = (overrides: Partial<ResizeContext> = {}): ResizeContext => {
  const vm = overrides.vm ?? sampleVm({ state: "stopped" })
  const flavor = overrides.flavor ?? bigger
  return {
    ...sampleVmContext({ vm }),
    quota: sampleQuota(),
    usage: sampleUsage(),
    demand: resizeDemand(vm, flavor),
    flavor,
    image: sampleImage(),
    ...overrides,
  }
}
const reinstall = (
  vm: Partial<Vm> = {},
  image = sampleImage(),
  systemGiB = 20,
  diskQuota = 2000,
): ReinstallContext => ({
  ...sampleVmContext({ vm: sampleVm(vm) }),
  image,
  quota: sampleQuota({ diskGiB: diskQuota }),
  usage: sampleUsage(),
  demand: reinstallDemand(systemGiB, image),
})

describe("K1 resize", () => {
  it("K1 different-flavor: allows another flavor", () => assertAllows(differentFlavor, resize()))
  it("K1 different-flavor: refuses the VM's own flavor", () =>
    assertRefuses(differentFlavor, resize({ flavor: sampleFlavor() })))
  it("K1 a stopped VM resizes to a bigger flavor", () =>
    assert.equal(refusedBy(configRules.resize, resize()), undefined))
  it("K1 stopped-only: a running VM is refused", () =>
    assert.equal(refusedBy(configRules.resize, resize({ vm: sampleVm() })), "stopped-only"))
  it("K1 X1 gpu-not-allowed-by-flavor: a VM with a GPU keeps a GPU flavor", () =>
    assert.equal(
      refusedBy(configRules.resize, resize({ facts: sampleFacts({ gpus: 1 }) })),
      "gpu-not-allowed-by-flavor",
    ))
  it("K1 C2 image-min-cores: the new flavor still fits the image", () =>
    assert.equal(
      refusedBy(
        configRules.resize,
        resize({ flavor: sampleFlavor({ id: "f-1c", cpus: 1 }), image: sampleImage({ minCores: 2 }) }),
      ),
      "image-min-cores",
    ))
  it("G2 K1 quota-cpus: the difference counts against the quota; a smaller flavor frees it", () => {
    assert.equal(refusedBy(configRules.resize, resize({ quota: sampleQuota({ cpus: 10 }) })), "quota-cpus")
    const vm = sampleVm({ state: "stopped", cpus: 8, memoryMiB: 16384, flavorId: "flavor-8c16g" })
    const smaller = resize({ vm, flavor: sampleFlavor(), quota: sampleQuota({ cpus: 4 }) })
    assert.deepEqual(smaller.demand, { cpus: -6, memoryMiB: -12288, diskGiB: 0, vmCount: 0 })
    assert.equal(refusedBy(configRules.resize, smaller), undefined)
  })
})

describe("K2 K3 K4", () => {
  it("K2 reinstall a running VM from another image", () =>
    assert.equal(refusedBy(configRules.reinstall, reinstall()), undefined))
  it("K2 running-only: the manual reinstalls running VMs", () =>
    assert.equal(refusedBy(configRules.reinstall, reinstall({ state: "stopped" })), "running-only"))
  it("K2 image-installable: an ISO cannot be installed", () =>
    assert.equal(refusedBy(configRules.reinstall, reinstall({}, sampleImage({ format: "iso" }))), "image-installable"))
  it("K2 image-available: another department's image is refused", () =>
    assert.equal(
      refusedBy(configRules.reinstall, reinstall({}, sampleImage({ departmentId: "dept-2" }))),
      "image-available",
    ))
  it("G2 K2 quota-disk: an image that needs a larger system disk asks the disk quota for the difference", () =>
    assert.equal(
      refusedBy(configRules.reinstall, reinstall({}, sampleImage({ minDiskGiB: 50 }), 20, 220)),
      "quota-disk",
    ))
  it("G2 K2 an image that fits the system disk asks no quota, even a department at its limit", () =>
    assert.equal(refusedBy(configRules.reinstall, reinstall({}, sampleImage({ minDiskGiB: 10 }), 20, 200)), undefined))
  it("K2 ssh-key-linux-only: an SSH-key VM cannot be reinstalled with Windows", () =>
    assert.equal(
      refusedBy(configRules.reinstall, reinstall({ loginMethod: "ssh-key" }, sampleImage({ osFamily: "windows" }))),
      "ssh-key-linux-only",
    ))
  it("K3 create-image: stopped only", () => {
    const context = (state: Vm["state"]) => ({ ...sampleVmContext({ vm: sampleVm({ state }) }), name: "golden" })
    assert.equal(refusedBy(configRules["create-image"], context("stopped")), undefined)
    assert.equal(refusedBy(configRules["create-image"], context("running")), "stopped-only")
  })
  it("K4 sockets: stopped only, sockets divide the CPUs", () => {
    const context = (state: Vm["state"], sockets: number) => ({
      ...sampleVmContext({ vm: sampleVm({ state, cpus: 8 }) }),
      sockets,
    })
    assert.equal(refusedBy(configRules.sockets, context("stopped", 2)), undefined)
    assert.equal(refusedBy(configRules.sockets, context("running", 2)), "stopped-only")
    assert.equal(refusedBy(configRules.sockets, context("stopped", 3)), "sockets-divide-cpus")
  })
})
