import { Effect } from "effect"
import type { Driver } from "../../core/driver/driver.ts"
import type { DriverError } from "../../core/driver/errors.ts"
import type { Hypervisor } from "./hypervisor.ts"
import type { DomainRecord } from "./state.ts"

type Quiesce = Required<Pick<Driver, "quiesce">>["quiesce"]

/** The root file system and one per data disk, as `guestAgent.fileSystems` lists them. */
const fileSystemCount = (record: DomainRecord) => 1 + record.spec.disks.filter((disk) => disk.role !== "system").length

/**
 * The guest agent's fsfreeze: it needs the agent's channel and a running guest. Freezing a frozen guest is refused,
 * as the real agent refuses it; thawing a guest that is not frozen answers 0. Both return how many file systems
 * changed, and the domain counts freezes and thaws (`simulate.quiesceCounts`). A power-off or reboot ends a freeze.
 */
export const makeQuiesce = (hv: Hypervisor): Quiesce => {
  const agentProblem = (operation: string, record: DomainRecord): DriverError | undefined => {
    if (!record.spec.guestAgent) return hv.invalid(operation, `${record.spec.name} has no guest agent channel`)
    return record.power === "running" ? undefined : hv.wrongPower(operation, record)
  }
  return {
    freeze: Effect.fn("FakeDriver.quiesce.freeze")(function* (name: string) {
      const record = yield* hv.update("quiesce.freeze", name, (current) => {
        const problem = agentProblem("quiesce.freeze", current)
        if (problem) return problem
        if (current.quiesce.frozen) return hv.invalid("quiesce.freeze", `${name}'s file systems are already frozen`)
        return { ...current, quiesce: { ...current.quiesce, frozen: true, freezes: current.quiesce.freezes + 1 } }
      })
      return fileSystemCount(record)
    }),

    thaw: Effect.fn("FakeDriver.quiesce.thaw")(function* (name: string) {
      const before = yield* hv.get("quiesce.thaw", name)
      const problem = agentProblem("quiesce.thaw", before)
      if (problem) return yield* problem
      const record = yield* hv.update("quiesce.thaw", name, (current) =>
        current.quiesce.frozen
          ? { ...current, quiesce: { ...current.quiesce, frozen: false, thaws: current.quiesce.thaws + 1 } }
          : current,
      )
      return before.quiesce.frozen ? fileSystemCount(record) : 0
    }),
  }
}
