import type { NicSpec } from "../../../core/driver/spec.ts"
import { DEFAULT_BRIDGE_HELPER, type QemuRuntime } from "../argv/runtime.ts"

/**
 * netdev_add's arguments for a NIC's host side: the QMP twin of the argv builder's -netdev, with the same rules
 * (port forwards on 127.0.0.1 only, no tap scripts, the bridge helper).
 */
export const netdevArguments = (nic: NicSpec, id: string, runtime: QemuRuntime): Readonly<Record<string, unknown>> => {
  const backing = nic.backing
  switch (backing.kind) {
    case "user":
      return {
        type: "user",
        id,
        ...(runtime.restrictUserNet === true ? { restrict: true } : {}),
        ...(backing.address === undefined
          ? {}
          : {
              net: backing.address.cidr,
              host: backing.address.gateway,
              dhcpstart: backing.address.ip,
              dns: backing.address.dns,
            }),
        ...(backing.hostForwards.length === 0
          ? {}
          : {
              hostfwd: backing.hostForwards.map((forward) => ({
                str: `tcp:127.0.0.1:${forward.hostPort}-:${forward.guestPort}`,
              })),
            }),
      }
    case "tap":
      return { type: "tap", id, ifname: backing.tap, script: "no", downscript: "no" }
    case "bridge":
      return { type: "bridge", id, br: backing.bridge, helper: runtime.bridgeHelper ?? DEFAULT_BRIDGE_HELPER }
  }
}
