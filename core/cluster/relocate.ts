import { Effect } from "effect"
import { HostConfig } from "../config.ts"
import type { Host } from "../model/host.ts"
import { runVmOperation } from "../operations/run-vm-operation.ts"
import type { RecordWork, VmOperation } from "../operations/vm-operation.ts"
import { moveVm } from "../operations/vm-state.ts"
import { placementRefusal } from "../placement/refusal.ts"
import type { Actor } from "../rules/context.ts"
import { type RelocateContext, relocatable, relocateRules } from "../rules/relocate.ts"
import { Store } from "../store/ports.ts"
import { hostNow } from "./membership.ts"
import { Peers } from "./peers.ts"
import { localDisksOf, placeElsewhere } from "./place-elsewhere.ts"

type Context = RelocateContext & { readonly to: Host | undefined }

/**
 * #16: a stopped VM (or one failover recorded in error) moves off its host, which reads down, to the host placement chooses (a record change under the
 * VM's lock, a task of its own); its start follows on the new host. Refused by rule host-down-local-disks while a
 * disk is local, and by placement's rule when no host has room.
 */
export const relocateOperation: VmOperation<"record", Host, Context, void, RecordWork<Context, void, Host>> = {
  operation: "vm.relocate",
  reads: "record",
  context: (base, down) =>
    Effect.gen(function* () {
      const localDisks = (yield* localDisksOf(base.vm)).map((d) => d.name)
      const context = { ...base, host: down, localDisks }
      // Placement only when the rules can allow the move: a local disk is the refusal to report.
      if (localDisks.length > 0 || !relocatable(base.vm)) return { ...context, to: undefined }
      const placement = yield* placeElsewhere(base.vm)
      if (placement._tag === "Refused") return yield* placementRefusal("vm.relocate", placement)
      return { ...context, to: placement.host }
    }),
  rules: relocateRules,
  task: ({ to }, down) => ({ params: { from: down.id, to: to?.id ?? null } }),
  work: {
    kind: "record",
    write: ({ vm, host, to }) =>
      Effect.gen(function* () {
        // The rules passed, so placement chose a host.
        const target = to as Host
        yield* moveVm(vm, "stopped", "platform", `Host ${host.name} is down; moved to ${target.name} to start`, {
          hostId: target.id,
          zone: target.zone,
          pod: target.pod,
        })
        return target
      }),
  },
}

/**
 * #16: before a start, a stopped VM (or one recorded in error with its host) placed on a host that reads down (its
 * agent gone for longer than the timeout) is moved to another host: the host it will start on, or undefined when it stays (no cluster, its host is up or
 * this agent's own, or it is not stopped: the start's own rules decide).
 */
export const moveOffDownHost = Effect.fn("cluster.moveOffDownHost")(function* (actor: Actor, vmId: string) {
  const peers = yield* Peers
  if (peers === undefined) return undefined
  const store = yield* Store
  const { hostId } = yield* HostConfig
  const vm = yield* store.vms.get(vmId)
  if (vm.hostId === null || vm.hostId === hostId || !relocatable(vm)) return undefined
  const host = yield* hostNow(yield* store.hosts.get(vm.hostId))
  if (host.state !== "down") return undefined
  return (yield* runVmOperation(relocateOperation, actor, vm.id, host)).value
})
