import assert from "node:assert/strict"
import { describe, it } from "node:test"
import type { NicSpec } from "../../../core/driver/spec.ts"
import type { QemuRuntime } from "../argv/runtime.ts"
import { netdevArguments } from "./netdev.ts"

const runtime: QemuRuntime = { runDir: "/tmp/hx-x/vm", accel: "tcg", vnc: { kind: "unix" }, restrictUserNet: true }
const nic = (backing: NicSpec["backing"]): NicSpec => ({ id: "n1", mac: "52:54:00:00:00:01", backing })

describe("netdev_add arguments for a hot-plugged NIC", () => {
  it("N1 user-mode NAT publishes its forwards on loopback only, restricted as the runtime says", () => {
    const forwards = [{ hostPort: 2222, guestPort: 22 }]
    assert.deepEqual(netdevArguments(nic({ kind: "user", hostForwards: forwards }), "net-n1", runtime), {
      type: "user",
      id: "net-n1",
      restrict: true,
      hostfwd: [{ str: "tcp:127.0.0.1:2222-:22" }],
    })
  })

  it("N1 C6 user-mode NAT hands the guest the platform's address: its subnet, gateway and the NIC's IP", () => {
    const address = { cidr: "10.0.2.0/24", gateway: "10.0.2.2", ip: "10.0.2.16", dns: "10.0.2.3" }
    assert.deepEqual(netdevArguments(nic({ kind: "user", hostForwards: [], address }), "net-n1", runtime), {
      type: "user",
      id: "net-n1",
      restrict: true,
      net: "10.0.2.0/24",
      host: "10.0.2.2",
      dhcpstart: "10.0.2.16",
      dns: "10.0.2.3",
    })
  })

  it("N1 a tap runs no scripts; a bridge goes through the bridge helper", () => {
    assert.deepEqual(netdevArguments(nic({ kind: "tap", tap: "tap7" }), "net-n1", runtime), {
      type: "tap",
      id: "net-n1",
      ifname: "tap7",
      script: "no",
      downscript: "no",
    })
    assert.deepEqual(netdevArguments(nic({ kind: "bridge", bridge: "br0" }), "net-n1", runtime), {
      type: "bridge",
      id: "net-n1",
      br: "br0",
      helper: "/usr/lib/qemu/qemu-bridge-helper",
    })
  })
})
