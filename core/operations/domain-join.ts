import { Context, Effect, Schema } from "effect"
import type { Driver } from "../driver/driver.ts"
import type { Vm } from "../model/vm.ts"
import { domainJoinComponent } from "../rules/resources.ts"

/** Why a domain join failed; logged on the VM's task, which still succeeds (the VM runs). */
export class DomainJoinError extends Schema.TaggedError<DomainJoinError>()("DomainJoinError", {
  message: Schema.String,
}) {}

/** What a domain-join plug-in is told about a Windows VM that asked for the component. */
export interface DomainJoinRequest {
  readonly vm: Vm
  /** The VM's driver: its guest agent (capability guestAgent) is how a plug-in runs commands in the guest. */
  readonly driver: Driver
}

/**
 * C2, R8: the hook a Windows image's domain join plugs into. The platform offers the "domain-join" component for
 * Windows VMs only (rule domain-join-windows-only); when such a VM (or its clone) first runs, it calls the hook, if a
 * layer provides one, with the VM and its driver. The plug-in does the join its directory needs (say, through the
 * guest agent, `netdom join` or `Add-Computer` with credentials it holds). Without a plug-in the component is recorded
 * and nothing runs. A failure is logged and never fails the VM's task.
 */
export class DomainJoin extends Context.Service<
  DomainJoin,
  { readonly join: (request: DomainJoinRequest) => Effect.Effect<void, DomainJoinError> }
>()("hyperx/core/operations/DomainJoin") {}

/** Calls the hook for a Windows VM with the component, when a plug-in is there; logs a failure. */
export const joinDomain = (request: DomainJoinRequest) =>
  Effect.gen(function* () {
    if (!request.vm.components.includes(domainJoinComponent)) return
    const hook = yield* Effect.serviceOption(DomainJoin)
    if (hook._tag === "None") return
    yield* hook.value
      .join(request)
      .pipe(Effect.catch((error) => Effect.logWarning(`${request.vm.hostname}: the domain join failed`, error)))
  })
