import { Effect } from "effect"
import type { DriverEvent } from "../../core/driver/driver.ts"
import type { DriverError } from "../../core/driver/errors.ts"
import type { VmSpec } from "../../core/driver/spec.ts"
import { volumeFiles } from "./backups.ts"
import type { EventHub } from "./events.ts"
import type { Hypervisor } from "./hypervisor.ts"
import {
  booted,
  type DomainRecord,
  type GuestLoad,
  poweredOff,
  type QuiesceRecord,
  type VolumeRecord,
} from "./state.ts"

type Sim<A = void> = Effect.Effect<A, DriverError>

/**
 * What happens inside the guest or outside the platform. Power changes here (and only here) are reported on the
 * driver's `events`. Calls on an unknown domain fail DomainNotFound; a power change the domain's state does not
 * allow (a stopped guest cannot crash) fails WrongPowerState, so a test notices a wrong setup.
 */
export interface Simulate {
  /** running → stopped; event "powered-off". */
  guestPowerOff(name: string): Sim
  /** running → crashed; event "crashed". */
  crash(name: string): Sim
  /** stopped or crashed → running (a cold boot); event "started". */
  outsideStart(name: string): Sim
  /** running or crashed → running, memory cleared; event "reset". */
  outsideReset(name: string): Sim
  /** running or crashed → stopped: the hypervisor process died; event "process-exited". */
  processExit(name: string): Sim
  /** Make the guest ignore (or, with false, obey again) ACPI power buttons. */
  ignoreAcpi(name: string, ignore?: boolean): Sim
  /** The guest's disk contents, which snapshots copy and revert restores. Works in any power state. */
  writeGuest(name: string, key: string, value: string): Sim
  readGuest(name: string, key: string): Sim<string | undefined>
  /** The guest changes its RAM (running only); returns the new memory counter. */
  touchMemory(name: string): Sim<number>
  /** The memory counter: 0 after a cold boot, restored by reverting a memory snapshot. */
  readMemory(name: string): Sim<number>
  /** The guest writes a file it keeps in RAM only, as on a tmpfs (running only). */
  writeRam(name: string, key: string, value: string): Sim
  /** A RAM file: gone after a cold boot, reset or power-off; back after reverting a memory snapshot and starting. */
  readRam(name: string, key: string): Sim<string | undefined>
  /** The passwords and authorized keys the guest agent was given, by user. */
  credentials(name: string): Sim<{
    readonly passwords: Readonly<Record<string, string>>
    readonly authorizedKeys: Readonly<Record<string, ReadonlyArray<string>>>
  }>
  /** Impose the CPU and memory figures `stats` reports (null: back to the fake's own numbers). */
  setLoad(name: string, load: GuestLoad | null): Sim
  /** The definition as the hypervisor holds it now (attach/detach/media change it). */
  spec(name: string): Sim<VmSpec>
  /** The disk files the hypervisor holds, by path. */
  volumes(): Effect.Effect<ReadonlyArray<VolumeRecord>>
  /**
   * The guest files a volume holds (a backup with its chain applied, a restored disk), paths relative to the disk's
   * mount point; undefined when there is no such volume. Fails InvalidRequest when a link of its chain is gone.
   */
  readVolume(path: string): Sim<Readonly<Record<string, string>> | undefined>
  /** Whether the guest's file systems are frozen now, and how many freezes and thaws it has seen. */
  quiesceCounts(name: string): Sim<QuiesceRecord>
  /** Waits until `count` (default 1) consumers of `events` are subscribed; see EventHub.awaitSubscribers. */
  awaitEventSubscribers(count?: number): Effect.Effect<void>
}

type PowerChange = {
  readonly operation: string
  readonly kind: DriverEvent["kind"]
  readonly from: ReadonlyArray<DomainRecord["power"]>
  readonly detail: string
  readonly apply: (record: DomainRecord, now: number) => DomainRecord
}

const powerChanges = {
  guestPowerOff: {
    operation: "simulate.guestPowerOff",
    kind: "powered-off",
    from: ["running"],
    detail: "the guest powered itself off",
    apply: poweredOff,
  },
  crash: {
    operation: "simulate.crash",
    kind: "crashed",
    from: ["running"],
    detail: "the guest crashed",
    apply: (record) => ({ ...record, power: "crashed" }),
  },
  outsideStart: {
    operation: "simulate.outsideStart",
    kind: "started",
    from: ["stopped", "crashed"],
    detail: "started outside the platform",
    apply: booted,
  },
  outsideReset: {
    operation: "simulate.outsideReset",
    kind: "reset",
    from: ["running", "crashed"],
    detail: "reset outside the platform",
    apply: (record, now) => booted({ ...record, resumeMemory: false }, now),
  },
  processExit: {
    operation: "simulate.processExit",
    kind: "process-exited",
    from: ["running", "crashed"],
    detail: "the hypervisor process exited",
    apply: poweredOff,
  },
} satisfies Record<string, PowerChange>

export const makeSimulate = (hv: Hypervisor, hub: EventHub): Simulate => {
  const change = (powerChange: PowerChange) => (name: string) =>
    Effect.gen(function* () {
      const now = yield* hv.now
      yield* hv.update(powerChange.operation, name, (record) =>
        powerChange.from.includes(record.power)
          ? powerChange.apply(record, now)
          : hv.wrongPower(powerChange.operation, record),
      )
      yield* hub.publish({ name, kind: powerChange.kind, detail: powerChange.detail, at: new Date(now) })
    })
  const read = <A>(operation: string, name: string, pick: (record: DomainRecord) => A) =>
    hv.get(`simulate.${operation}`, name).pipe(Effect.map(pick))

  return {
    guestPowerOff: change(powerChanges.guestPowerOff),
    crash: change(powerChanges.crash),
    outsideStart: change(powerChanges.outsideStart),
    outsideReset: change(powerChanges.outsideReset),
    processExit: change(powerChanges.processExit),
    ignoreAcpi: (name, ignore = true) =>
      hv.update("simulate.ignoreAcpi", name, (record) => ({ ...record, ignoreAcpi: ignore })).pipe(Effect.asVoid),
    writeGuest: (name, key, value) =>
      hv
        .update("simulate.writeGuest", name, (record) => ({
          ...record,
          guest: { ...record.guest, data: { ...record.guest.data, [key]: value } },
        }))
        .pipe(Effect.asVoid),
    readGuest: (name, key) => read("readGuest", name, (record) => record.guest.data[key]),
    touchMemory: (name) =>
      hv
        .update("simulate.touchMemory", name, (record) =>
          record.power === "running"
            ? { ...record, memory: record.memory + 1 }
            : hv.wrongPower("simulate.touchMemory", record),
        )
        .pipe(Effect.map((record) => record.memory)),
    readMemory: (name) => read("readMemory", name, (record) => record.memory),
    writeRam: (name, key, value) =>
      hv
        .update("simulate.writeRam", name, (record) =>
          record.power === "running"
            ? { ...record, ram: { ...record.ram, [key]: value } }
            : hv.wrongPower("simulate.writeRam", record),
        )
        .pipe(Effect.asVoid),
    readRam: (name, key) => read("readRam", name, (record) => record.ram[key]),
    credentials: (name) =>
      read("credentials", name, (record) => ({
        passwords: record.guest.passwords,
        authorizedKeys: record.guest.authorizedKeys,
      })),
    setLoad: (name, load) => hv.update("simulate.setLoad", name, (record) => ({ ...record, load })).pipe(Effect.asVoid),
    spec: (name) => read("spec", name, (record) => record.spec),
    volumes: () => Effect.sync(hv.allVolumes),
    readVolume: (path) =>
      Effect.suspend(() => {
        if (!hv.findVolume(path)) return Effect.succeed(undefined)
        const content = volumeFiles(hv, path)
        return "problem" in content
          ? Effect.fail(hv.invalid("simulate.readVolume", content.problem))
          : Effect.succeed(content.files)
      }),
    quiesceCounts: (name) => read("quiesceCounts", name, (record) => record.quiesce),
    awaitEventSubscribers: (count = 1) => hub.awaitSubscribers(count),
  }
}
