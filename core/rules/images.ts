import type { Image } from "../model/catalog.ts"
import { type ActorContext, superadminOnly } from "./platform.ts"
import { defineRule, type Rule } from "./rule.ts"

/** X3, #20: an image of the library with what still uses it. */
export interface ImageUseContext extends ActorContext {
  readonly image: Image
  /** VMs installed from it (not purged), and VMs with it in their CD-ROM. */
  readonly installedOn: number
  readonly insertedIn: number
}

/** X3: an image is deleted only while no VM is installed from it nor holds it as a disc. */
export const imageInUse: Rule<ImageUseContext> = defineRule({
  name: "image-in-use",
  features: ["X3", "G1"],
  kind: "conflict",
  message: ({ image, installedOn, insertedIn }) => ({
    en: `${image.name} is in use: ${installedOn} VM(s) installed from it, ${insertedIn} with it attached`,
    zh: `${image.name} 正在使用中：${installedOn} 台虚拟机由其安装，${insertedIn} 台已挂载`,
  }),
  allows: ({ installedOn, insertedIn }) => installedOn === 0 && insertedIn === 0,
})

/** X3, G1: the image library is the superadmin's ("资源管理->区域管理->镜像"). */
export const imageLibraryRules = {
  upload: [superadminOnly] as ReadonlyArray<Rule<ActorContext>>,
  delete: [superadminOnly, imageInUse] as ReadonlyArray<Rule<ImageUseContext>>,
}
