import type { Image, ImageFormat } from "../model/catalog.ts"
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

/** X3, #20: what was received, against what the uploader claimed. */
export interface ImageFileContext extends ActorContext {
  readonly claimedFormat: ImageFormat
  /** What the file is: an ISO 9660 volume, a qcow2 (by its header), else raw; null when qemu-img could not read it. */
  readonly detectedFormat: ImageFormat | null
  /** Why the file was not taken as claimed (qemu-img's message, a qcow2's backing file), or null. */
  readonly problem: string | null
  readonly expectedSha256: string | null
  readonly sha256: string
  /** R6 R11: the uploader says the image's guest sets passwords. */
  readonly passwordManaged: boolean
}

/** X3, #20: an ISO must be an ISO 9660 volume, a disk image what qemu-img reads in the format claimed. */
export const imageFormatMatches: Rule<ImageFileContext> = defineRule({
  name: "image-format",
  features: ["X3"],
  kind: "invalid",
  message: ({ claimedFormat, detectedFormat, problem }) => ({
    en: `The file is not a usable ${claimedFormat} image (${problem ?? `it reads as ${detectedFormat ?? "unknown"}`})`,
    zh: `该文件不是可用的 ${claimedFormat} 镜像（${problem ?? `检测为 ${detectedFormat ?? "未知格式"}`}）`,
  }),
  allows: ({ claimedFormat, detectedFormat, problem }) => problem === null && detectedFormat === claimedFormat,
})

/** X3, #20: the bytes received are the bytes sent: their sha256 is the one the uploader gave. */
export const imageChecksumMatches: Rule<ImageFileContext> = defineRule({
  name: "image-checksum",
  features: ["X3"],
  kind: "invalid",
  message: ({ expectedSha256, sha256 }) => ({
    en: `The upload's sha256 is ${sha256}, not ${expectedSha256 ?? ""}`,
    zh: `上传文件的 sha256 为 ${sha256}，而非 ${expectedSha256 ?? ""}`,
  }),
  allows: ({ expectedSha256, sha256 }) => expectedSha256 === null || expectedSha256.toLowerCase() === sha256,
})

/** R6 R11: only an installed system sets passwords; an ISO installs nothing by itself. */
export const imagePasswordManaged: Rule<ImageFileContext> = defineRule({
  name: "image-password-managed",
  features: ["X3", "R6", "R11"],
  kind: "invalid",
  message: {
    en: "Only a disk image can set its VMs' passwords (passwordManaged); an ISO installs nothing by itself",
    zh: "只有磁盘镜像可以设置虚拟机密码（passwordManaged）；ISO 本身不安装系统",
  },
  allows: ({ claimedFormat, passwordManaged }) => !passwordManaged || claimedFormat !== "iso",
})

/** X3, G1: the image library is the superadmin's ("资源管理->区域管理->镜像"). */
export const imageLibraryRules = {
  upload: [superadminOnly] as ReadonlyArray<Rule<ActorContext>>,
  /** After the bytes arrived: still the superadmin's, the format claimed, the checksum given. */
  verify: [superadminOnly, imageFormatMatches, imageChecksumMatches, imagePasswordManaged] as ReadonlyArray<
    Rule<ImageFileContext>
  >,
  delete: [superadminOnly, imageInUse] as ReadonlyArray<Rule<ImageUseContext>>,
}
