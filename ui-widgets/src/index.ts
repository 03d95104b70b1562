import { HxAffinityGroups } from "./affinity-groups/hx-affinity-groups.ts"
import { HxHostDevices } from "./host-devices/hx-host-devices.ts"
import { HxHostList } from "./host-list/hx-host-list.ts"
import { defineElement } from "./internal/define.ts"
import { HxKeyPairs } from "./key-pairs/hx-key-pairs.ts"
import { HxRecycleBin } from "./recycle-bin/hx-recycle-bin.ts"
import { HxVmConsole } from "./vm-console/hx-vm-console.ts"
import { HxVmCreate } from "./vm-create/hx-vm-create.ts"
import { HxVmDetail } from "./vm-detail/hx-vm-detail.ts"
import { HxVmList } from "./vm-list/hx-vm-list.ts"

export * from "./elements.ts"

/** The tags this bundle registers. */
export const hxTags = {
  "hx-vm-list": HxVmList,
  "hx-vm-create": HxVmCreate,
  "hx-vm-detail": HxVmDetail,
  "hx-vm-console": HxVmConsole,
  "hx-host-list": HxHostList,
  "hx-host-devices": HxHostDevices,
  "hx-key-pairs": HxKeyPairs,
  "hx-affinity-groups": HxAffinityGroups,
  "hx-recycle-bin": HxRecycleBin,
} as const

/** Register every hx- element; tags another copy of the bundle registered first are left to it. */
export const defineHxElements = (): void => {
  for (const [tag, element] of Object.entries(hxTags)) defineElement(tag, element)
}

defineHxElements()

declare global {
  interface HTMLElementTagNameMap {
    "hx-vm-list": HxVmList
    "hx-vm-create": HxVmCreate
    "hx-vm-detail": HxVmDetail
    "hx-vm-console": HxVmConsole
    "hx-host-list": HxHostList
    "hx-host-devices": HxHostDevices
    "hx-key-pairs": HxKeyPairs
    "hx-affinity-groups": HxAffinityGroups
    "hx-recycle-bin": HxRecycleBin
  }
}
