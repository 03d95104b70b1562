import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Effect } from "effect"
import { useCore } from "../../../test-support/core.ts"
import type { Vm } from "../../model/vm.ts"
import { Store } from "../../store/ports.ts"
import { sampleRows } from "../../store/testing/sample-rows.ts"
import { storeBackends } from "../../store/testing.ts"
import { allowedActions } from "../allowed-actions.ts"
import { previewBase } from "../preview.ts"
import { seedVm } from "../testing/world.ts"
import { VmLocks } from "../vm-lock.ts"

const actions = ["attach-iso", "detach-iso", "attach-usb", "detach-usb", "attach-gpu", "detach-gpu"] as const

for (const backend of storeBackends) {
  describe(`D4 the bound-resources buttons in allowedActions (X1–X4) on ${backend.name}`, {
    skip: backend.skip,
  }, () => {
    const core = useCore(backend)

    it("X1–X4 F9 each device action's verdict before the item is chosen weighs the VM and what it holds", async () => {
      interface Situation {
        readonly name: string
        readonly vm: (world: typeof core.world) => Partial<Vm>
        readonly locked?: boolean
        /** Devices of the VM's host attached to the VM. */
        readonly holds?: ReadonlyArray<"gpu" | "usb">
        /** The verdict of each action, in the order of `actions`. */
        readonly expected: readonly [string, string, string, string, string, string]
      }
      const cases: ReadonlyArray<Situation> = [
        // F9: nothing attached, nothing to eject or detach
        {
          name: "stopped, no disc, no device",
          vm: () => ({ state: "stopped" }),
          expected: ["allowed", "iso-attached", "allowed", "usb-attached", "allowed", "gpu-attached"],
        },
        {
          name: "stopped, a USB device and a GPU",
          vm: () => ({ state: "stopped" }),
          holds: ["usb", "gpu"],
          expected: ["allowed", "iso-attached", "allowed", "allowed", "allowed", "allowed"],
        },
        {
          name: "running, a disc in the drive, a USB device",
          vm: (world) => ({ state: "running", isoImageId: world.image.id }),
          holds: ["usb"],
          expected: ["iso-already-attached", "allowed", "allowed", "allowed", "stopped-only", "gpu-attached"],
        },
        {
          name: "running, a GPU",
          vm: () => ({ state: "running" }),
          holds: ["gpu"],
          expected: ["allowed", "iso-attached", "allowed", "usb-attached", "stopped-only", "allowed"],
        },
        {
          name: "error, a GPU",
          vm: () => ({ state: "error" }),
          holds: ["gpu"],
          expected: ["allowed", "iso-attached", "allowed", "usb-attached", "stopped-only", "running-or-stopped"],
        },
        {
          name: "recycled",
          vm: () => ({ state: "stopped", recycledAt: new Date() }),
          expected: ["not-recycled", "not-recycled", "not-recycled", "not-recycled", "not-recycled", "not-recycled"],
        },
        {
          name: "stopped, a USB device and a GPU, locked by another operation",
          vm: () => ({ state: "stopped" }),
          holds: ["usb", "gpu"],
          locked: true,
          // the rules first, then the lock: an empty drive is the first thing wrong with an eject
          expected: ["vm-busy", "iso-attached", "vm-busy", "vm-busy", "vm-busy", "vm-busy"],
        },
      ]
      const superadmin = core.world.actors.superadmin
      for (const situation of cases) {
        const vm = await core.run(seedVm(core.world, situation.vm(core.world)))
        for (const kind of situation.holds ?? []) {
          const device = sampleRows.hostDevice({ hostId: core.world.host.id, vmId: vm.id, kind })
          await core.run(Store.use((store) => store.hostDevices.insert(device)))
        }
        if (situation.locked) await core.run(VmLocks.use((locks) => locks.acquire("vm.ha", { actor: superadmin, vm })))
        const verdicts = await core.run(
          Effect.flatMap(previewBase(superadmin, vm), ({ context, locked }) =>
            allowedActions(context, { lang: "zh", locked }),
          ),
        )
        const seen = actions.map((action) => {
          const verdict = verdicts.find((entry) => entry.action === action)
          assert.ok(verdict, action)
          assert.equal(verdict.operation, `vm.${action}`)
          if (!verdict.allowed)
            assert.match(verdict.message ?? "", /[\u4e00-\u9fff]/, "the reason in the caller's language")
          return verdict.allowed ? "allowed" : (verdict.rule ?? "?")
        })
        assert.deepEqual(seen, [...situation.expected], situation.name)
      }
    })
  })
}
