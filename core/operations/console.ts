import { Effect } from "effect"
import type { Capability } from "../driver/capabilities.ts"
import type { Driver } from "../driver/driver.ts"
import { type ConsoleContext, type ConsoleKind, consoleRules } from "../rules/console.ts"
import type { Actor } from "../rules/context.ts"
import { driverFor, driverOfHost } from "./driver-for.ts"
import { checkVmOperation, runVmOperation } from "./run-vm-operation.ts"
import type { RecordWork, VmOperation } from "./vm-operation.ts"

const capabilityOf: Record<ConsoleKind, Capability> = { vnc: "vncConsole", serial: "serialConsole" }

type Console = NonNullable<Driver["console"]>

/** The consoles the driver offers: it declares the capability and implements the calls. */
const offeredBy = (driver: Driver): ReadonlyArray<ConsoleKind> =>
  driver.console === undefined
    ? []
    : (["vnc", "serial"] as const).filter((k) => driver.capabilities.has(capabilityOf[k]))

/**
 * B5: opening the console of a running VM, on a hypervisor that offers it. Recorded as a task (G4: who looked at
 * which VM's screen, and when) and changing nothing else, it takes no lock: it is never vm-busy.
 */
export const consoleOperation: VmOperation<
  "full",
  ConsoleKind | undefined,
  ConsoleContext,
  Console,
  RecordWork<ConsoleContext, Console, void>
> = {
  operation: "vm.console",
  reads: "full",
  // What the host's driver offers decides the rules (a preview on any agent of a cluster); opening it needs driverFor.
  context: (base, kind) =>
    driverOfHost(base.vm).pipe(
      Effect.map(offeredBy),
      // A VM placed on no host (yet) has no hypervisor to offer a console.
      Effect.catchTag("NotFound", () => Effect.succeed([])),
      Effect.map((offered) => ({ ...base, kind, offered })),
    ),
  rules: consoleRules,
  locks: false,
  prepare: ({ vm }) => Effect.flatMap(driverFor(vm), (driver) => Effect.succeed(driver.console as Console)),
  task: (_, kind) => ({ params: { kind } }),
  work: { kind: "record", write: () => Effect.void },
}

/** B5: record that the actor opens the VM's console (refused as the rules refuse); returns the finished task. */
export const recordConsoleOpened = (actor: Actor, vmId: string, kind: ConsoleKind) =>
  Effect.map(runVmOperation(consoleOperation, actor, vmId, kind), ({ task }) => task)

/** Where the console listens now; checked again when a ticket is redeemed (the VM may have stopped since). */
export const consoleEndpoint = (actor: Actor, vmId: string, kind: ConsoleKind) =>
  Effect.flatMap(checkVmOperation(consoleOperation, actor, vmId, kind), ({ context, prepared }) =>
    kind === "vnc" ? prepared.vnc(context.vm.hostname) : prepared.serial(context.vm.hostname),
  )
