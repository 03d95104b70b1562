import { Effect } from "effect"
import type { Vm } from "../model/vm.ts"
import { configRules, type SocketsContext } from "../rules/config.ts"
import type { Actor } from "../rules/context.ts"
import { Store } from "../store/ports.ts"
import { runVmOperation } from "./run-vm-operation.ts"
import type { RecordWork, VmOperation } from "./vm-operation.ts"

/**
 * K4: the CPU sockets by hand, stopped only; cores per socket follow (the CPU count divided by the sockets, which
 * rule sockets-divide-cpus makes whole). A record change: the next start defines the VM with the new topology.
 */
export const socketsOperation: VmOperation<
  "full",
  number,
  SocketsContext,
  void,
  RecordWork<SocketsContext, void, Vm>
> = {
  operation: "vm.sockets",
  reads: "full",
  context: (base, sockets) => Effect.succeed({ ...base, sockets }),
  rules: configRules.sockets,
  task: ({ vm }, sockets) => ({ params: { sockets, from: vm.sockets } }),
  work: {
    kind: "record",
    write: ({ vm, sockets }) =>
      Store.use((store) => store.vms.update(vm.id, { sockets, coresPerSocket: vm.cpus / sockets }, vm.version)),
    result: (vm) => ({ sockets: vm.sockets, coresPerSocket: vm.coresPerSocket }),
  },
}

/** K4: returns the finished task and the VM as written. */
export const setSockets = (actor: Actor, vmId: string, sockets: number) =>
  runVmOperation(socketsOperation, actor, vmId, sockets)
