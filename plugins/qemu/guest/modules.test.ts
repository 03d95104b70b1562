import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { moduleName, parseModuleIndex, planModuleLoad } from "./modules.ts"

const modulesDep = `kernel/drivers/virtio/virtio_ring.ko:
kernel/drivers/virtio/virtio.ko: kernel/drivers/virtio/virtio_ring.ko
kernel/drivers/net/virtio_net.ko: kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko kernel/drivers/net/net_failover.ko kernel/net/core/failover.ko
kernel/drivers/net/net_failover.ko: kernel/net/core/failover.ko
kernel/net/core/failover.ko:
kernel/arch/x86/crypto/crc32c-intel.ko:
`
const builtin = "kernel/fs/ext4/ext4.ko\nkernel/crypto/crc32c_generic.ko\n"

describe("guest kernel module plan", () => {
  const index = parseModuleIndex(modulesDep, builtin)

  it("H2 loads every module after the modules it depends on, each once", () => {
    const plan = planModuleLoad(index, ["virtio_net", "virtio"])
    const names = plan.load.map(moduleName)
    assert.deepEqual([...new Set(names)], names)
    for (const [module, needs] of [
      ["virtio_net", ["virtio", "virtio_ring", "net_failover", "failover"]],
      ["virtio", ["virtio_ring"]],
      ["net_failover", ["failover"]],
    ] as const) {
      for (const need of needs) assert.ok(names.indexOf(need) < names.indexOf(module), `${need} before ${module}`)
    }
  })

  it("H2 built-in modules are skipped and unknown ones reported; dashes and underscores are one name", () => {
    const plan = planModuleLoad(index, ["ext4", "ahci", "crc32c_intel"])
    assert.deepEqual(plan.builtin, ["ext4"])
    assert.deepEqual(plan.missing, ["ahci"])
    assert.deepEqual(plan.load, ["kernel/arch/x86/crypto/crc32c-intel.ko"])
  })
})
