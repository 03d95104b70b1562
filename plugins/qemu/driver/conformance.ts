/**
 * The QEMU driver as the conformance suite runs it, on the tiny test guest (direct kernel boot, a user-mode NIC):
 *   node --import tsx conformance/cli.ts plugins/qemu/driver/conformance.ts
 * The guest probe reaches inside through the guest agent, on the driver instance the suite hands over.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { dirname } from "node:path"
import { Effect } from "effect"
import type { GuestProbe } from "../../../conformance/config.ts"
import type { ConformanceModule } from "../../../conformance/module.ts"
import type { Driver } from "../../../core/driver/driver.ts"
import {
  type ConformanceNetwork,
  conformanceNetworkSkip,
  makeConformanceNetwork,
  networkProbe,
} from "../../linux-net/conformance-network.ts"
import { buildGuest } from "../guest/build.ts"
import type { GuestManifest } from "../guest/manifest.ts"
import type { QgaAgent } from "../qga/agent.ts"
import { runInGuest } from "../qga/commands/exec.ts"
import { readGuestFile, writeGuestFile } from "../qga/commands/files.ts"
import { guestShutdown } from "../qga/commands/power.ts"
import { guestPing } from "../qga/commands/system.ts"
import { isQemuDriver, makeQemuDriver } from "./driver.ts"
import { defaultRunRoot } from "./options.ts"
import { killAll } from "./testing.ts"

const withAgent = <A, E>(driver: Driver, name: string, use: (agent: QgaAgent) => Effect.Effect<A, E>) =>
  isQemuDriver(driver)
    ? driver.withGuestAgent(name, use)
    : Effect.fail(new Error(`${driver.name} is not the QEMU driver: the probe cannot reach its guest`))

const shell = (agent: QgaAgent, script: string, ...args: ReadonlyArray<string>) =>
  runInGuest(agent, { path: "/bin/sh", args: ["-c", script, "sh", ...args] }).pipe(
    Effect.flatMap((result) =>
      result.exitCode === 0
        ? Effect.succeed(result.stdout.toString())
        : Effect.fail(new Error(`${script} failed (${result.exitCode}): ${result.stderr.toString().trim()}`)),
    ),
  )

/** A file's content, or undefined when the guest has no such file. */
const readIfThere = (agent: QgaAgent, path: string) =>
  readGuestFile(agent, path).pipe(
    Effect.map((data): string | undefined => data.toString()),
    Effect.catchIf(
      (error) => error.reason._tag === "QgaCommandError" && /No such file or directory/.test(error.reason.desc),
      () => Effect.succeed(undefined),
    ),
  )

/** The probe of the tiny guest: /system is its system disk, and everything else lives in its initramfs (RAM). */
export const qemuGuestProbe: GuestProbe = {
  ramDir: "/run/hxc",
  diskDir: "/system/hxc",
  // The guest agent starts before the guest mounts its disks: ready means the system disk is there too.
  ready: (driver, name) =>
    withAgent(driver, name, (agent) =>
      guestPing(agent).pipe(Effect.andThen(shell(agent, 'grep -q " /system " /proc/mounts'))),
    ),
  write: (driver, name, path, content) =>
    withAgent(driver, name, (agent) =>
      shell(agent, 'mkdir -p "$1"', dirname(path)).pipe(
        Effect.andThen(writeGuestFile(agent, path, content)),
        Effect.andThen(shell(agent, "sync")),
        Effect.asVoid,
      ),
    ),
  read: (driver, name, path) => withAgent(driver, name, (agent) => readIfThere(agent, path)),
  powerOff: (driver, name) => withAgent(driver, name, (agent) => guestShutdown(agent, "powerdown")),
  passwordFingerprint: (driver, name, user) =>
    withAgent(driver, name, (agent) =>
      readGuestFile(agent, "/etc/shadow").pipe(
        Effect.map((shadow) => {
          const hash = shadow
            .toString()
            .split("\n")
            .find((line) => line.startsWith(`${user}:`))
            ?.split(":")[1]
          // "!" and "*" lock the account: no password is set.
          return hash === undefined || /^[!*]*$/.test(hash) ? undefined : hash
        }),
      ),
    ),
  authorizedKeys: (driver, name, user) =>
    withAgent(driver, name, (agent) =>
      shell(
        agent,
        `home=$(awk -F: -v u="$1" '$1 == u { print $6 }' /etc/passwd); cat "$home/.ssh/authorized_keys" 2>/dev/null || true`,
        user,
      ).pipe(Effect.map((text) => text.split("\n").filter((line) => line.trim() !== ""))),
    ),
}

/** The module for a given guest build and scratch folder (state, disks), and a host network if one could be made. */
export const qemuConformance = (
  manifest: GuestManifest,
  dir: string,
  network?: ConformanceNetwork,
): ConformanceModule => ({
  factory: makeQemuDriver({ stateDir: `${dir}/state` }),
  config: {
    workDir: `${dir}/work`,
    boot: { kind: "kernel", kernel: manifest.kernel, initrd: manifest.initrd, cmdline: manifest.cmdline },
    systemImage: { path: manifest.systemDisk, format: "qcow2" },
    memoryMiB: 128,
    nic: { kind: "user", hostForwards: [] },
    guest: qemuGuestProbe,
    network:
      network === undefined
        ? undefined
        : networkProbe(network, (driver, name, script, ...args) =>
            withAgent(driver, name, (agent) => shell(agent, script, ...args)),
          ),
    serialPattern: /hyperx-guest: (booted|heartbeat \d+)/,
    guestUser: "hyperx",
    // The second "host" of the migration cases: its own state and run folders on this machine.
    migrationTarget: makeQemuDriver({ stateDir: `${dir}/state-target` }),
  },
  // The suite stops what it made; this is for a run cut short.
  dispose: async () => {
    await network?.dispose()
    for (const state of [`${dir}/state`, `${dir}/state-target`]) {
      killAll(defaultRunRoot(state))
      rmSync(defaultRunRoot(state), { recursive: true, force: true })
    }
    rmSync(dir, { recursive: true, force: true })
  },
})

/** With root and linux-net's tools the NIC connectivity case gets a host network; without, it is skipped. */
export default async (): Promise<ConformanceModule> => {
  const dir = mkdtempSync("/tmp/hx-qc-")
  const network =
    conformanceNetworkSkip() === undefined
      ? await makeConformanceNetwork({ stateDir: `${dir}/net`, backing: "tap" })
      : undefined
  return qemuConformance(await Effect.runPromise(buildGuest()), dir, network)
}
