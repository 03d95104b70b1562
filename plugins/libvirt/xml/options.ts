import { Schema } from "effect"

/**
 * Where QEMU's VNC server listens under libvirt. "unix": a socket libvirt places in its own run folder (the path is
 * read back from the live XML); "websocket": a TCP port plus a WebSocket port, both chosen by libvirt, on `host`
 * (QEMU offers the WebSocket only next to a TCP listener, not next to a unix socket).
 */
export const VncListen = Schema.Union([
  Schema.Struct({ kind: Schema.Literal("unix") }),
  Schema.Struct({ kind: Schema.Literal("websocket"), host: Schema.String }),
])
export type VncListen = typeof VncListen.Type

/** Host-side facts the domain XML needs besides the VM's spec. */
export const DomainXmlOptions = Schema.Struct({
  /** "qemu" is TCG (these lab hosts, nested setups); "kvm" where /dev/kvm really works. */
  domainType: Schema.Literals(["qemu", "kvm"]),
  /** COM1's unix socket (libvirtd binds it and hands QEMU the descriptor) and its log file (written by virtlogd). */
  serialSocket: Schema.String,
  serialLog: Schema.String,
  vnc: VncListen,
  /** The QEMU binary; libvirt's default for the architecture when left out. */
  emulator: Schema.optionalKey(Schema.String),
  /** TCG translation cache size; QEMU's default (1 GiB) dominates a small guest's memory. */
  tcgTbCacheMiB: Schema.optionalKey(Schema.Int),
})
export type DomainXmlOptions = typeof DomainXmlOptions.Type

/** The title marking the domains this driver manages, so `list` and `events` skip a host's other domains. */
export const MANAGED_TITLE = "hyperx"
