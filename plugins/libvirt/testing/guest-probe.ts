import { Effect } from "effect"
import type { GuestProbe } from "../../../conformance/config.ts"
import type { Driver } from "../../../core/driver/driver.ts"
import { isLibvirtDriver } from "../driver/driver.ts"
import type { LibvirtClient } from "../virsh/client.ts"
import { guestPowerOff, guestReadFile, guestShell, guestWriteFile } from "./guest-agent.ts"

export const withClient = <A, E>(driver: Driver, use: (client: LibvirtClient) => Effect.Effect<A, E>) =>
  isLibvirtDriver(driver)
    ? use(driver.client)
    : Effect.fail(new Error(`${driver.name} is not the libvirt driver: the probe cannot reach its guest`))

/**
 * The tiny test guest seen through libvirt's guest-agent passthrough: /system is its system disk, everything else
 * lives in its initramfs (RAM). The same folders and user as the QEMU driver's probe.
 */
export const libvirtGuestProbe: GuestProbe = {
  ramDir: "/run/hxc",
  diskDir: "/system/hxc",
  // the agent starts before the guest mounts its disks: ready means the system disk is there too
  ready: (driver, name) =>
    withClient(driver, (client) =>
      client
        .agentCommand(name, "guest-ping", undefined, { timeoutS: 5 })
        .pipe(Effect.andThen(guestShell(client, name, 'grep -q " /system " /proc/mounts'))),
    ),
  write: (driver, name, path, content) => withClient(driver, (client) => guestWriteFile(client, name, path, content)),
  read: (driver, name, path) => withClient(driver, (client) => guestReadFile(client, name, path)),
  powerOff: (driver, name) => withClient(driver, (client) => guestPowerOff(client, name)),
  passwordFingerprint: (driver, name, user) =>
    withClient(driver, (client) =>
      guestReadFile(client, name, "/etc/shadow").pipe(
        Effect.map((shadow) => {
          const hash = shadow
            ?.split("\n")
            .find((line) => line.startsWith(`${user}:`))
            ?.split(":")[1]
          // "!" and "*" lock the account: no password is set
          return hash === undefined || /^[!*]*$/.test(hash) ? undefined : hash
        }),
      ),
    ),
  authorizedKeys: (driver, name, user) =>
    withClient(driver, (client) =>
      guestShell(
        client,
        name,
        `home=$(awk -F: -v u="$1" '$1 == u { print $6 }' /etc/passwd); cat "$home/.ssh/authorized_keys" 2>/dev/null || true`,
        user,
      ).pipe(Effect.map((text) => text.split("\n").filter((line) => line.trim() !== ""))),
    ),
}
