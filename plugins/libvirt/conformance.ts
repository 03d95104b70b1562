/**
 * The libvirt driver as the conformance suite runs it, on the tiny test guest (direct kernel boot, a user-mode NIC),
 * over qemu:///system: node --import tsx conformance/cli.ts plugins/libvirt/conformance.ts
 * The same guest, memory, NIC, folders and user as the QEMU driver's module; the probe goes through libvirt's
 * guest-agent passthrough on the driver instance the suite hands over. The migration cases move guests from the
 * machine's libvirtd to an extra one started here (testing/two-daemons.ts: its own mount namespace and host UUID).
 */
import { rmSync } from "node:fs"
import { join } from "node:path"
import { Effect, Exit, Scope } from "effect"
import type { ConformanceModule } from "../../conformance/module.ts"
import { conformanceNetworkSkip, makeConformanceNetwork, networkProbe } from "../linux-net/conformance-network.ts"
import { makeLibvirtDriver } from "./driver/driver.ts"
import { guestShell } from "./testing/guest-agent.ts"
import { libvirtGuestProbe, withClient } from "./testing/guest-probe.ts"
import { prepareGuest } from "./testing/setup.ts"
import { extraDaemonUnavailable, extraLibvirtDaemon } from "./testing/two-daemons.ts"

export default async (): Promise<ConformanceModule> => {
  // a private copy of the guest in a folder QEMU's user can pass through (libvirt hands it every file it opens)
  const { dir, guest } = await prepareGuest("hx-lvc-")
  // with root and linux-net's tools the NIC connectivity case gets a bridge (libvirt adds its own taps to it)
  const network =
    conformanceNetworkSkip() === undefined
      ? await makeConformanceNetwork({ stateDir: join(dir, "net"), backing: "bridge" })
      : undefined
  // without root there is no second daemon: the migration cases then fail, saying the config has no target
  const scope = await Effect.runPromise(Scope.make())
  const target =
    extraDaemonUnavailable() === false
      ? await Effect.runPromise(Scope.provide(scope)(extraLibvirtDaemon(join(dir, "target"))))
      : undefined
  return {
    factory: makeLibvirtDriver({
      stateDir: join(dir, "s"),
      tcgTbCacheMiB: 16,
      ...(target === undefined ? {} : { migrationPeerUri: () => target.peerUri }),
    }),
    config: {
      workDir: join(dir, "work"),
      boot: { kind: "kernel", kernel: guest.kernel, initrd: guest.initrd, cmdline: guest.manifest.cmdline },
      systemImage: { path: guest.baseImage, format: "qcow2" },
      memoryMiB: 128,
      nic: { kind: "user", hostForwards: [] },
      guest: libvirtGuestProbe,
      network:
        network === undefined
          ? undefined
          : networkProbe(network, (driver, name, script, ...args) =>
              withClient(driver, (client) => guestShell(client, name, script, ...args)),
            ),
      serialPattern: /hyperx-guest: (booted|heartbeat \d+)/,
      guestUser: "hyperx",
      migrationTarget:
        target === undefined
          ? undefined
          : makeLibvirtDriver({ uri: target.uri, pidDir: target.pidDir, stateDir: join(dir, "st"), tcgTbCacheMiB: 16 }),
    },
    // the suite removes the domains it made; this is the folder of guest copies, disks and sockets
    dispose: async () => {
      await network?.dispose()
      await Effect.runPromise(Scope.close(scope, Exit.void))
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
