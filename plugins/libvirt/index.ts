/**
 * hyperx's libvirt driver: the Driver contract over libvirtd (qemu:///system, domains of type qemu), spoken through
 * the `virsh` command behind a small client interface (`LibvirtClient`) that a native protocol client can replace.
 * See README.md for the decisions, the host set-up and the support matrix.
 */
export {
  isLibvirtDriver,
  LIBVIRT_CAPABILITIES,
  type LibvirtDriver,
  makeLibvirtDriver,
} from "./driver/driver.ts"
export { driverEventOf } from "./driver/events.ts"
export type { LibvirtDriverOptions } from "./driver/options.ts"
export type { ChangeScope, LibvirtClient } from "./virsh/client.ts"
export { LibvirtError, LibvirtErrorKind } from "./virsh/errors.ts"
export type { LibvirtEvent } from "./virsh/events.ts"
export { makeVirshClient, type VirshClientOptions } from "./virsh/virsh-client.ts"
export { DomainXmlOptions, domainXml, domainXmlFor, domainXmlProblems, VncListen } from "./xml/index.ts"
