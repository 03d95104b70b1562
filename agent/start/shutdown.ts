import { setTimeout as sleep } from "node:timers/promises"
import { Effect } from "effect"
import { markAgentStopped } from "../../core/cluster/membership.ts"
import { VmLocks } from "../../core/operations/vm-lock.ts"
import { Store } from "../../core/store/ports.ts"
import type { AgentRuntime } from "../env.ts"
import { closeWebSockets } from "../ws/index.ts"
import type { ServedApp } from "./server.ts"

/** The VMs of this host that an operation of this agent is working on now. */
const busyVms = (hostId: string) =>
  Effect.gen(function* () {
    const store = yield* Store
    const locks = yield* VmLocks
    const vms = [...(yield* store.vms.list({ hostId })), ...(yield* store.vms.list({ hostId, recycled: true }))]
    return vms.filter((vm) => locks.isHeld(vm.id)).map((vm) => vm.displayName)
  })

const closeServer = (served: ServedApp) =>
  new Promise<void>((resolve) => {
    served.server.close(() => resolve())
    served.server.closeIdleConnections()
  })

export interface StopParts {
  readonly runtime: AgentRuntime
  readonly hostId: string
  readonly server: ServedApp
  /** The embedded PostgreSQL (or nothing to stop, with DATABASE_URL): stopped after the store has closed. */
  readonly database: { readonly close: () => Promise<void> }
  /** Listeners of their own (the /metrics one), closed with the API server. */
  readonly extras?: ReadonlyArray<{ readonly close: () => Promise<void> }>
  readonly unlock: () => void
  readonly graceMs: number
  readonly output: { readonly line: (text: string) => void; readonly progress: (text: string) => void }
}

/**
 * Graceful stop (SIGTERM, SIGINT): stop accepting requests and close the WebSockets (1001), let running operations
 * finish for up to `graceMs`, then dispose the runtime, which interrupts what is still running and records those
 * tasks as interrupted (recovery reconciles their VMs at the next start). VMs keep running throughout; the host's row
 * says its agent stopped, so that a cluster does not fail them over while the agent restarts.
 */
export const stopAgent = async (parts: StopParts): Promise<void> => {
  parts.output.line("Stopping: no new requests; running operations may finish…")
  const closed = Promise.all([closeServer(parts.server), ...(parts.extras ?? []).map((extra) => extra.close())])
  await closeWebSockets(parts.server.wss)
  const deadline = Date.now() + parts.graceMs
  let busy = await parts.runtime.runPromise(busyVms(parts.hostId)).catch(() => [])
  let told = false
  while (busy.length > 0 && Date.now() < deadline) {
    if (!told) parts.output.progress(`waiting for operations on ${busy.join(", ")}`)
    told = true
    await sleep(200)
    busy = await parts.runtime.runPromise(busyVms(parts.hostId)).catch(() => [])
  }
  if (busy.length > 0) parts.output.progress(`interrupting operations on ${busy.join(", ")} (recorded as interrupted)`)
  // #16 R12: in a cluster the others now read this host restarting (suspect), not down: no failover of its VMs
  await parts.runtime.runPromise(markAgentStopped()).catch(() => undefined)
  parts.server.server.closeAllConnections()
  await closed
  await parts.runtime.dispose()
  await parts.database.close()
  parts.unlock()
  parts.output.line("Stopped. VMs keep running; the next start finds them again.")
}
