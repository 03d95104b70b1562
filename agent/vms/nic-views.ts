import { Effect, Schema } from "effect"
import type { Lang } from "../../core/index.ts"
import { Nic } from "../../core/model/network.ts"
import { allowedAction } from "../../core/operations/allowed-actions.ts"
import {
  addSecondaryIpOperation,
  editPrimaryIpOperation,
  removeNetworkOperation,
  removeSecondaryIpOperation,
  setDefaultNetworkOperation,
} from "../../core/operations/networks/nics.ts"
import { previewBase } from "../../core/operations/preview.ts"
import { loadVisibleVm } from "../../core/operations/vm-context.ts"
import type { Actor } from "../../core/rules/context.ts"
import { Store } from "../../core/store/ports.ts"
import { AllowedActionSchema } from "./detail.ts"

/** One NIC of a VM as the detail's network tab shows it (D5, N1–N6), with the actions it offers now. */
export const NicView = Nic.mapFields((fields) => ({
  ...fields,
  networkId: Schema.String,
  networkName: Schema.String,
  networkKind: Schema.String,
  cidr: Schema.String,
  gateway: Schema.String,
  allowedActions: Schema.Array(AllowedActionSchema),
})).annotate({ identifier: "VmNic" })

/**
 * The VM's NICs, default first, each with the core's preview of N2–N6 on it (the declarations' rules, then vm-busy
 * while the VM's lock is held). No input is chosen yet, so rules judging it (a typed IP) are left to the call.
 */
export const nicViews = Effect.fn("agent.nicViews")(function* (actor: Actor, vmId: string, lang: Lang) {
  const store = yield* Store
  const vm = yield* loadVisibleVm(actor, vmId)
  const nics = yield* store.nics.list({ vmId })
  const subnets = new Map((yield* store.subnets.list()).map((subnet) => [subnet.id, subnet]))
  const networks = new Map((yield* store.networks.list()).map((network) => [network.id, network]))
  const { context, locked } = yield* previewBase(actor, vm)
  const ordered = [...nics].sort(
    (a, b) => Number(b.isDefault) - Number(a.isDefault) || a.createdAt.getTime() - b.createdAt.getTime(),
  )
  return yield* Effect.forEach(ordered, (nic) =>
    Effect.gen(function* () {
      const subnet = subnets.get(nic.subnetId)
      const network = subnet === undefined ? undefined : networks.get(subnet.networkId)
      const nicId = nic.id
      const opts = { lang, locked }
      const allowedActions = yield* Effect.all([
        allowedAction("edit-primary-ip", editPrimaryIpOperation, context, { nicId, ip: nic.primaryIp }, opts),
        allowedAction("add-secondary-ip", addSecondaryIpOperation, context, { nicId }, opts),
        allowedAction(
          "remove-secondary-ip",
          removeSecondaryIpOperation,
          context,
          { nicId, address: nic.secondaryIps[0] ?? "" },
          opts,
        ),
        allowedAction("set-default", setDefaultNetworkOperation, context, { nicId }, opts),
        allowedAction("remove", removeNetworkOperation, context, { nicId }, opts),
      ])
      return {
        ...nic,
        networkId: network?.id ?? "",
        networkName: network?.name ?? "",
        networkKind: network?.kind ?? "",
        cidr: subnet?.cidr ?? "",
        gateway: subnet?.gateway ?? "",
        allowedActions,
      }
    }),
  )
})
