/**
 * R9 #17 The conformance suite's migration cases against the libvirt driver between two libvirt daemons on this one
 * machine (testing/two-daemons.ts: each in its own mount namespace with its own host UUID; the machine's libvirtd is
 * left alone): a guest moves with shared and with local storage and its RAM and disk markers read back on the
 * target; a cancelled send and a target going away mid-way leave it running on the source and nothing on the target.
 * Skips without libvirt or root (fails instead with CI=true HYPERX_REQUIRE_LIBVIRT=1).
 */
import { rmSync } from "node:fs"
import { join } from "node:path"
import { after, describe, it } from "node:test"
import { Effect, Exit, Scope } from "effect"
import { migrationCases } from "../../conformance/cases/migration.ts"
import { describeConformance } from "../../conformance/node-test.ts"
import { makeLibvirtDriver } from "./driver/driver.ts"
import { libvirtGuestProbe } from "./testing/guest-probe.ts"
import { libvirtUnavailable, prepareGuest } from "./testing/setup.ts"
import { extraDaemonUnavailable, peeredDriverOptions, twoLibvirtDaemons } from "./testing/two-daemons.ts"

const skip = libvirtUnavailable() || extraDaemonUnavailable()

if (skip === false) {
  const { dir, guest } = await prepareGuest("hx-lvm-")
  const scope = await Effect.runPromise(Scope.make())
  after(async () => {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    rmSync(dir, { recursive: true, force: true })
  })
  const [one, two] = await Effect.runPromise(Scope.provide(scope)(twoLibvirtDaemons(dir)))
  describeConformance(
    "libvirt (two daemons)",
    makeLibvirtDriver(peeredDriverOptions(one, two, join(dir, "s1"))),
    {
      workDir: join(dir, "work"),
      boot: { kind: "kernel", kernel: guest.kernel, initrd: guest.initrd, cmdline: guest.manifest.cmdline },
      systemImage: { path: guest.baseImage, format: "qcow2" },
      memoryMiB: 128,
      nic: { kind: "user", hostForwards: [] },
      guest: libvirtGuestProbe,
      serialPattern: /hyperx-guest: (booted|heartbeat \d+)/,
      guestUser: "hyperx",
      migrationTarget: makeLibvirtDriver(peeredDriverOptions(two, one, join(dir, "s2"))),
      only: migrationCases.map((spec) => spec.id),
    },
    // the support matrix comes from the full run (conformance.qemu.test.ts), whose target is an extra daemon too
    { matrixDir: null },
  )
} else {
  describe("conformance: libvirt migration between two daemons", { skip }, () => {
    it("moves guests between two libvirt daemons", () => {})
  })
}
