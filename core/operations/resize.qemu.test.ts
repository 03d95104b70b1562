/**
 * K1 and K4 through the core on real QEMU (TCG, the tiny guest): after a resize the VM runs again by itself and the
 * guest counts the new CPUs and memory; after sockets are set by hand the guest's topology shows them. Then, on the
 * same guest (one boot for the file), B1: a forced stop cuts short a graceful stop the guest does not answer.
 */
import assert from "node:assert/strict"
import { randomUUID } from "node:crypto"
import { before, describe, it } from "node:test"
import { useQemuCore } from "../../plugins/qemu/driver/core-testing.ts"
import { guestShell, qemuInstalled, waitForBoot } from "../../plugins/qemu/driver/testing.ts"
import type { Vm } from "../model/vm.ts"
import { Store } from "../store/ports.ts"
import { power } from "./power.ts"
import { resizeVm } from "./resize.ts"
import { setSockets } from "./sockets.ts"

const skip = qemuInstalled() ? false : "qemu-system-x86_64 / qemu-img not installed"

describe("resize, sockets and a forced stop through the core on real QEMU (K1, K4, B1)", {
  skip,
  timeout: 900_000,
}, () => {
  const core = useQemuCore()
  let vm: Vm
  const owner = () => core.world.actors.owner
  const sh = (script: string) => core.run(guestShell(core.driver, vm.hostname, script))
  const cpus = async () => Number((await sh("grep -c ^processor /proc/cpuinfo")).trim())
  const memTotalKiB = async () => Number((await sh("awk '/^MemTotal:/ { print $2 }' /proc/meminfo")).trim())
  const packages = async () => Number((await sh("grep '^physical id' /proc/cpuinfo | sort -u | wc -l")).trim())

  before(async () => {
    vm = await core.createVm()
  })

  it("K1 resize 1 CPU / 128 MiB → 2 CPUs / 192 MiB: the VM starts again and the guest counts both", async () => {
    assert.equal(await cpus(), 1)
    const smaller = await memTotalKiB()
    const flavor = await core.run(
      Store.use((s) =>
        s.flavors.insert({
          id: randomUUID(),
          name: "small",
          cpus: 2,
          memoryMiB: 192,
          gpuAllowed: false,
          perDay: 200,
          createdAt: new Date(),
        }),
      ),
    )
    await core.complete(power(owner(), vm.id, "stop"))
    const task = await core.complete(resizeVm(owner(), vm.id, flavor.id))
    assert.equal((await core.vm(vm.id)).state, "running", "the resized VM runs again by itself")
    assert.deepEqual(task.result, { cpus: 2, memoryMiB: 192, sockets: 1 })
    await waitForBoot(core.driver, vm.hostname)
    assert.equal(await cpus(), 2)
    const larger = await memTotalKiB()
    // MemTotal is what the kernel keeps after its own reservations: 64 MiB more RAM shows as nearly 64 MiB more.
    assert.ok(larger - smaller > 56 * 1024, `MemTotal ${smaller} KiB → ${larger} KiB`)
  })

  it("K4 two sockets of one core each: the guest sees two physical packages", async () => {
    assert.equal(await packages(), 1)
    await core.complete(power(owner(), vm.id, "stop"))
    await core.run(setSockets(owner(), vm.id, 2))
    await core.complete(power(owner(), vm.id, "start"))
    await waitForBoot(core.driver, vm.hostname)
    assert.equal(await packages(), 2)
    assert.equal(await cpus(), 2)
  })

  it("B1 a force stop cuts short a graceful stop the guest does not answer: QEMU ends at once, the stop is cancelled", async () => {
    // Without its acpid the guest ignores the power button: the graceful stop would wait the host's 60 s.
    await sh("kill $(pidof acpid)")
    const graceful = await core.run(power(owner(), vm.id, "stop"))
    const forced = await core.complete(power(owner(), vm.id, "force-stop"))
    assert.equal(forced.state, "succeeded")
    const cut = await core.run(graceful.done)
    assert.deepEqual([cut.state, cut.error?.code], ["failed", "cancelled"])
    assert.equal((await core.vm(vm.id)).state, "stopped")
    assert.equal((await core.run(core.driver.inspect(vm.hostname))).power, "stopped")
  })
})
