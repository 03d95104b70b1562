import { join } from "node:path"
import { Schema } from "effect"

export const Accelerator = Schema.Literals(["kvm", "tcg"])
export type Accelerator = typeof Accelerator.Type

/** Where the VNC server listens. Both forms keep a unix socket; "websocket" adds a WebSocket listener for noVNC. */
export const VncListen = Schema.Union([
  Schema.Struct({ kind: Schema.Literal("unix") }),
  Schema.Struct({ kind: Schema.Literal("websocket"), host: Schema.String, port: Schema.Int }),
])
export type VncListen = typeof VncListen.Type

/** Host-side facts the command line needs besides the VM's spec. */
export const QemuRuntime = Schema.Struct({
  /** A private folder for this VM's sockets, logs and pidfile; keep it short (unix socket paths max 107 bytes). */
  runDir: Schema.String,
  accel: Accelerator,
  /** TCG translation cache size; the default (1 GiB on 64-bit hosts) dominates an idle guest's memory. */
  tcgTbSizeMiB: Schema.optionalKey(Schema.Int),
  vnc: VncListen,
  /** restrict=on for user-mode NICs: the guest reaches nothing on the host but its own port forwards. */
  restrictUserNet: Schema.optionalKey(Schema.Boolean),
  /** Keep QEMU alive in status "shutdown" when the guest powers off (-no-shutdown) instead of exiting. */
  keepAliveOnShutdown: Schema.optionalKey(Schema.Boolean),
  /** qemu-bridge-helper used by bridge NICs (it needs `allow BRIDGE` in /etc/qemu/bridge.conf). */
  bridgeHelper: Schema.optionalKey(Schema.String),
})
export type QemuRuntime = typeof QemuRuntime.Type

export const DEFAULT_BRIDGE_HELPER = "/usr/lib/qemu/qemu-bridge-helper"

/** The files QEMU creates in the run folder; the driver connects to these. */
export const runtimePaths = (runDir: string) => ({
  qmp: join(runDir, "qmp.sock"),
  qga: join(runDir, "qga.sock"),
  serial: join(runDir, "serial.sock"),
  serialLog: join(runDir, "serial.log"),
  vnc: join(runDir, "vnc.sock"),
  pidfile: join(runDir, "qemu.pid"),
})
export type RuntimePaths = ReturnType<typeof runtimePaths>
