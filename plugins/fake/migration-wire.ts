import type { Effect } from "effect"
import type { DriverError } from "../../core/driver/errors.ts"
import type { DomainRecord } from "./state.ts"

/** A fake target waiting for one incoming domain: what the source's `send` hands the domain to. */
export interface FakeIncoming {
  readonly name: string
  /** Takes the domain's state (RAM, disks, boot time): it runs on the target from then on. */
  readonly receive: (record: DomainRecord) => Effect.Effect<void, DriverError>
}

/**
 * The fake "network" between fake hosts in one process: incoming migrations by port. It stands for the TCP
 * connection QEMU makes, so it is process-wide by nature; only the fake driver uses it.
 */
const listening = new Map<number, FakeIncoming>()
let nextPort = 49_152

export const fakeWire = {
  listen: (incoming: FakeIncoming): number => {
    const port = nextPort++
    listening.set(port, incoming)
    return port
  },
  connect: (port: number): FakeIncoming | undefined => listening.get(port),
  close: (port: number): void => void listening.delete(port),
}
