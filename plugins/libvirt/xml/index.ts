export { CDROM_BOOT_ORDER, cdromElement, diskElement, nicElement, SYSTEM_BOOT_ORDER } from "./devices.ts"
export { diskTargets, domainElement, domainXml, domainXmlFor, MACHINE_TYPE } from "./domain-xml.ts"
export {
  CDROM_ALIAS,
  CDROM_TARGET,
  decodeId,
  diskAlias,
  diskIdOf,
  encodeId,
  freeTarget,
  nicAlias,
  nicIdOf,
  targetName,
  targetPrefix,
} from "./names.ts"
export { DomainXmlOptions, MANAGED_TITLE, VncListen } from "./options.ts"
export { domainXmlProblems } from "./validate.ts"
export { el, escapeAttribute, escapeText, renderXml, textEl, type XmlElement, type XmlNode } from "./xml.ts"
