import { Effect } from "effect"
import type { Driver, FileSystemUsage, VmStats } from "../../core/driver/driver.ts"
import type { ConsoleServers } from "./consoles.ts"
import type { Hypervisor } from "./hypervisor.ts"
import { type DomainRecord, guestBytes } from "./state.ts"

type Guest = Required<Pick<Driver, "console" | "guestAgent" | "stats">>

const KiB = 1024
const MiB = 1024 * KiB
const GiB = 1024 * MiB

const uptimeSeconds = (record: DomainRecord, now: number) =>
  record.bootedAtMs === null ? 0 : Math.max(0, Math.floor((now - record.bootedAtMs) / 1000))

/** Figures that move with uptime and guest writes, unless a test imposed a load through `simulate.setLoad`. */
const statsOf = (record: DomainRecord, now: number): VmStats => {
  const uptime = uptimeSeconds(record, now)
  const memoryTotalBytes = record.spec.memoryMiB * MiB
  return {
    cpuPercent: record.load?.cpuPercent ?? 2 + ((uptime * 7) % 18),
    memoryTotalBytes,
    memoryUsedBytes: record.load?.memoryUsedBytes ?? Math.round(memoryTotalBytes * 0.3) + guestBytes(record.guest),
    disks: record.spec.disks.map((disk) => ({
      id: disk.id,
      readBytes: 32 * MiB + uptime * 128 * KiB,
      writeBytes: 4 * MiB + uptime * 32 * KiB + (disk.role === "system" ? guestBytes(record.guest) : 0),
    })),
    nics: record.spec.nics.map((nic) => ({ id: nic.id, rxBytes: uptime * 64 * KiB, txBytes: uptime * 16 * KiB })),
    guestAgentRunning: record.spec.guestAgent,
    at: new Date(now),
  }
}

const fileSystemsOf = (record: DomainRecord): ReadonlyArray<FileSystemUsage> => [
  { mountpoint: "/", usedBytes: 1.5 * GiB + guestBytes(record.guest), totalBytes: 20 * GiB },
  ...record.spec.disks
    .filter((disk) => disk.role === "data")
    .map((disk) => ({ mountpoint: `/data/${disk.id}`, usedBytes: 256 * MiB, totalBytes: 50 * GiB })),
]

/** Console endpoints and stats need a running domain; the guest agent also needs its channel in the spec. */
export const makeGuest = (hv: Hypervisor, consoles: ConsoleServers): Guest => {
  const running = Effect.fnUntraced(function* (operation: string, name: string) {
    const record = yield* hv.get(operation, name)
    if (record.power !== "running") return yield* hv.wrongPower(operation, record)
    return record
  })
  const withConsole = Effect.fnUntraced(function* (kind: "vnc" | "serial", name: string) {
    const record = yield* running(`console.${kind}`, name)
    if (!record.spec[kind]) return yield* hv.invalid(`console.${kind}`, `${name} has no ${kind} console`)
    return yield* consoles.serve(name, kind)
  })
  const withAgent = Effect.fnUntraced(function* (operation: string, name: string) {
    const spec = (yield* hv.get(operation, name)).spec
    if (!spec.guestAgent) return yield* hv.invalid(operation, `${name} has no guest agent channel`)
    return yield* running(operation, name)
  })

  return {
    console: {
      vnc: Effect.fn("FakeDriver.console.vnc")(function* (name: string) {
        return yield* withConsole("vnc", name)
      }),
      serial: Effect.fn("FakeDriver.console.serial")(function* (name: string) {
        return yield* withConsole("serial", name)
      }),
    },

    guestAgent: {
      ping: Effect.fn("FakeDriver.guestAgent.ping")(function* (name: string) {
        yield* withAgent("guestAgent.ping", name)
      }),
      setPassword: Effect.fn("FakeDriver.guestAgent.setPassword")(function* (
        name: string,
        user: string,
        password: string,
      ) {
        if (user === "" || password === "") return yield* hv.invalid("guestAgent.setPassword", "empty user or password")
        yield* withAgent("guestAgent.setPassword", name)
        yield* hv.exclusive(name)(
          hv.update("guestAgent.setPassword", name, (record) => ({
            ...record,
            guest: { ...record.guest, passwords: { ...record.guest.passwords, [user]: password } },
          })),
        )
      }),
      setAuthorizedKeys: Effect.fn("FakeDriver.guestAgent.setAuthorizedKeys")(function* (
        name: string,
        user: string,
        keys: ReadonlyArray<string>,
      ) {
        if (user === "") return yield* hv.invalid("guestAgent.setAuthorizedKeys", "empty user")
        if (keys.some((key) => key.trim() === "" || key.includes("\n")))
          return yield* hv.invalid("guestAgent.setAuthorizedKeys", "a key is empty or spans several lines")
        yield* withAgent("guestAgent.setAuthorizedKeys", name)
        yield* hv.exclusive(name)(
          hv.update("guestAgent.setAuthorizedKeys", name, (record) => ({
            ...record,
            guest: { ...record.guest, authorizedKeys: { ...record.guest.authorizedKeys, [user]: [...keys] } },
          })),
        )
      }),
      fileSystems: Effect.fn("FakeDriver.guestAgent.fileSystems")(function* (name: string) {
        return fileSystemsOf(yield* withAgent("guestAgent.fileSystems", name))
      }),
    },

    stats: Effect.fn("FakeDriver.stats")(function* (name: string) {
      const record = yield* running("stats", name)
      return statsOf(record, yield* hv.now)
    }),
  }
}
