import { Effect } from "effect"
import { HostConfig } from "../config.ts"
import { RuleViolation } from "../errors.ts"
import type { Host } from "../model/host.ts"
import type { Vm } from "../model/vm.ts"
import { runVmOperation } from "../operations/run-vm-operation.ts"
import type { RecordWork, VmOperation } from "../operations/vm-operation.ts"
import { moveVm } from "../operations/vm-state.ts"
import { placementCandidates } from "../placement/candidates.ts"
import type { Constraint } from "../placement/constraints.ts"
import { place } from "../placement/place.ts"
import { placementRefusal } from "../placement/refusal.ts"
import { brokenAtStart } from "../placement/stay.ts"
import { vmPlacementRequest } from "../placement/vm-request.ts"
import type { Actor, VmRecordContext } from "../rules/context.ts"
import { notRecycled, stoppedOnly, vmBusy } from "../rules/lifecycle.ts"
import { Store } from "../store/ports.ts"
import { hostNow } from "./membership.ts"
import { Peers } from "./peers.ts"
import { localDisksOf } from "./place-elsewhere.ts"

/** What the VM's own host fails at this start (R10's groups, the `release` policy's room), or undefined. */
const brokenHere = Effect.fn("cluster.brokenHere")(function* (vm: Vm, hostId: string) {
  return brokenAtStart(yield* placementCandidates(vm.id), yield* vmPlacementRequest(vm), hostId)
})

/** A local disk pins the VM to a host that fails it: the refusal carries the constraint's own rule. */
const pinned = (host: Host, broken: Constraint, localDisks: ReadonlyArray<string>) =>
  new RuleViolation({
    rule: broken.rule,
    operation: "vm.relocate",
    kind: "conflict",
    message:
      `The VM's host ${host.name} fails its ${broken.label.en} at this start, and ${localDisks.join(", ")} lies in ` +
      "that host's local storage, so it cannot start on another host",
    messageZh:
      `虚拟机所在主机 ${host.name} 在本次启动时不满足${broken.label.zh}，且 ${localDisks.join("、")} 位于该主机的本地存储，` +
      "无法在其他主机上启动",
  })

interface Context extends VmRecordContext {
  readonly host: Host
  readonly to: Host | undefined
}

/**
 * #16, R10: a stopped VM whose host fails it at this start (an (anti-)affinity group it joined while stopped, or no
 * room left under the `release` policy) moves, under its lock, to the host placement chooses; its disks must all be
 * in the shared pool, or the start is refused with the constraint's rule. Checked again under the lock: a VM whose
 * host fits it again by then is left where it is (the task records `to: null`).
 */
export const moveAtStartOperation: VmOperation<"record", Host, Context, void, RecordWork<Context, void, Host>> = {
  operation: "vm.relocate",
  reads: "record",
  context: (base, host) =>
    Effect.gen(function* () {
      const broken = yield* brokenHere(base.vm, host.id)
      if (broken === undefined || base.vm.state !== "stopped") return { ...base, host, to: undefined }
      const localDisks = (yield* localDisksOf(base.vm)).map((d) => d.name)
      if (localDisks.length > 0) return yield* pinned(host, broken, localDisks)
      const placement = place(yield* placementCandidates(base.vm.id), yield* vmPlacementRequest(base.vm))
      if (placement._tag === "Refused") return yield* placementRefusal("vm.relocate", placement)
      return { ...base, host, to: placement.host }
    }),
  rules: [notRecycled, vmBusy, stoppedOnly],
  task: ({ to }, host) => ({ params: { from: host.id, to: to?.id ?? null } }),
  work: {
    kind: "record",
    write: ({ vm, host, to }) =>
      Effect.gen(function* () {
        if (to === undefined) return host
        yield* moveVm(
          vm,
          "stopped",
          "platform",
          `Host ${host.name} no longer fits the VM; moved to ${to.name} to start`,
          {
            hostId: to.id,
            zone: to.zone,
            pod: to.pod,
          },
        )
        return to
      }),
  },
}

/**
 * #16, R10: before a start in a cluster, a stopped VM whose (up) host no longer fits it is moved: the host it will
 * start on, or undefined when it stays (no cluster, not stopped, or its host fits it).
 */
export const moveIfHostNoLongerFits = Effect.fn("cluster.moveIfHostNoLongerFits")(function* (
  actor: Actor,
  vmId: string,
) {
  const peers = yield* Peers
  if (peers === undefined) return undefined
  const store = yield* Store
  const vm = yield* store.vms.get(vmId)
  if (vm.hostId === null || vm.state !== "stopped") return undefined
  const host = yield* hostNow(yield* store.hosts.get(vm.hostId))
  if (host.state === "down" || (yield* brokenHere(vm, host.id)) === undefined) return undefined
  const moved = (yield* runVmOperation(moveAtStartOperation, actor, vm.id, host)).value
  const { hostId } = yield* HostConfig
  return moved.id === host.id && host.id === hostId ? undefined : moved
})
