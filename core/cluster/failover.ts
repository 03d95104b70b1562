import { Effect } from "effect"
import type { Host } from "../model/host.ts"
import type { RecordWork, VmOperation } from "../operations/vm-operation.ts"
import { moveVm } from "../operations/vm-state.ts"
import type { VmRecordContext } from "../rules/context.ts"

/** What became of one VM of a host that went down (R12). */
export interface HostDownInput {
  /** The host that went down. */
  readonly from: string
  /** HA and restartable: the host placement chose; undefined: the VM is recorded as down where it was. */
  readonly to: Host | undefined
  /** Why (a VM that is not HA, a local disk, no host with room), for the VM's state reason and the task. */
  readonly reason: string
}

type HostDownContext = VmRecordContext & { readonly input: HostDownInput }

/**
 * R12, #16: the record half of a failover, as a task under the VM's lock (the reconciliation operation: the platform
 * brings its records in line with a host that stopped). A VM moved elsewhere is recorded stopped on its new host,
 * ready for that host's agent to start; one that cannot move is recorded in error with the reason, not left
 * "running" on a host that is gone. Its power-on is the ordinary start, a task of its own.
 */
export const hostDownOperation: VmOperation<
  "record",
  HostDownInput,
  HostDownContext,
  void,
  RecordWork<HostDownContext, void, unknown>
> = {
  operation: "vm.reconcile",
  reads: "record",
  context: (base, input) => Effect.succeed({ ...base, input }),
  rules: [],
  task: (_, input) => ({ params: { hostDown: input.from, restartOn: input.to?.id ?? null, reason: input.reason } }),
  work: {
    kind: "record",
    write: ({ vm, input }) =>
      input.to === undefined
        ? moveVm(vm, "error", "outside", input.reason)
        : moveVm(vm, "stopped", "outside", input.reason, {
            hostId: input.to.id,
            zone: input.to.zone,
            pod: input.to.pod,
          }),
  },
}
