import { Effect } from "effect"
import type { Vm, VmState } from "../../model/index.ts"
import { Store } from "../ports.ts"
import { sampleRows } from "./sample-rows.ts"
import { insertWorld, sampleBundle, sampleWorld } from "./sample-world.ts"

const states: ReadonlyArray<VmState> = ["running", "stopped", "error"]

/**
 * A sample world with a second department (and a user of it), and `count` VMs spread over three states, four CPU
 * counts, five memory sizes, six disk sizes and the two departments, each VM with `vm(i)` on top and its default NIC
 * at `<ipPrefix>.<i + 2>`: what the kept totals and the list's side tables are checked on (#23).
 */
export const spreadVms = (count: number, ipPrefix: string, vm: (i: number) => Partial<Vm> = () => ({})) => {
  const world = sampleWorld()
  const second = sampleRows.department({ companyId: world.company.id })
  const secondUser = sampleRows.user({ companyId: world.company.id, departmentId: second.id })
  const inSecond = (i: number) => (i % 2 === 0 ? {} : { departmentId: second.id, ownerId: secondUser.id })
  const bundles = Array.from({ length: count }, (_, i) =>
    sampleBundle(world, {
      vm: {
        state: states[i % 3] ?? "running",
        cpus: 1 + (i % 4),
        memoryMiB: 256 * (1 + (i % 5)),
        ...inSecond(i),
        ...vm(i),
      },
      disk: { sizeGiB: 1 + (i % 6), ...inSecond(i) },
      nic: { primaryIp: `${ipPrefix}.${i + 2}` },
    }),
  )
  /** The world, the second department and its user, then the VMs by four inserts side by side. */
  const insert = Effect.gen(function* () {
    const store = yield* Store
    yield* insertWorld(world)
    yield* store.departments.insert(second)
    yield* store.users.insert(secondUser)
    yield* Effect.forEach([0, 1, 2, 3], (part) => store.vms.insertBundles(bundles.filter((_, i) => i % 4 === part)), {
      concurrency: "unbounded",
    })
  })
  return { world, second, secondUser, bundles, insert }
}
