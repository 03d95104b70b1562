import type { NicSpec, VmSpec } from "../../../core/driver/spec.ts"
import { nicNames } from "./names.ts"
import { keyValues, type QemuOption } from "./options.ts"
import { DEFAULT_BRIDGE_HELPER, type QemuRuntime } from "./runtime.ts"

/** The host side of a NIC. Forwards listen on 127.0.0.1 only: publishing wider is the platform's job. */
const netdev = (nic: NicSpec, id: string, runtime: QemuRuntime): string => {
  const backing = nic.backing
  switch (backing.kind) {
    case "user":
      return keyValues("user", [
        ["id", id],
        ["restrict", runtime.restrictUserNet === true ? true : undefined],
        // the platform's address for the NIC: QEMU's DHCP hands the guest exactly it (else always .15)
        ["net", backing.address?.cidr],
        ["host", backing.address?.gateway],
        ["dhcpstart", backing.address?.ip],
        ["dns", backing.address?.dns],
        ...backing.hostForwards.map(
          (forward) => ["hostfwd", `tcp:127.0.0.1:${forward.hostPort}-:${forward.guestPort}`] as const,
        ),
      ])
    case "tap":
      // the driver creates the tap (and enslaves it to a bridge if it wants); QEMU runs no scripts
      return keyValues("tap", [
        ["id", id],
        ["ifname", backing.tap],
        ["script", "no"],
        ["downscript", "no"],
      ])
    case "bridge":
      return keyValues("bridge", [
        ["id", id],
        ["br", backing.bridge],
        ["helper", runtime.bridgeHelper ?? DEFAULT_BRIDGE_HELPER],
      ])
  }
}

export const nicOptions = (spec: VmSpec, runtime: QemuRuntime): ReadonlyArray<QemuOption> =>
  spec.nics.flatMap((nic): ReadonlyArray<QemuOption> => {
    const names = nicNames(nic.id)
    return [
      ["-netdev", netdev(nic, names.netdev, runtime)],
      [
        "-device",
        keyValues("virtio-net-pci", [
          ["netdev", names.netdev],
          ["mac", nic.mac],
          ["id", names.device],
        ]),
      ],
    ]
  })
