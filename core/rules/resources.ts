import type { Flavor, Image, OsFamily } from "../model/catalog.ts"
import type { KeyPair } from "../model/extras.ts"
import type { AffinityGroup } from "../model/host.ts"
import type { LoginMethod } from "../model/vm.ts"
import { defineRule, type Rule } from "./rule.ts"

/** The component a Windows VM may choose to join a domain (C3, R8: "入域组件"). */
export const domainJoinComponent = "domain-join"

/** C2, K2, X3: an image is public or belongs to the VM's department. */
export interface ImageScope {
  readonly image: Image
  readonly departmentId: string
}

export const imageAvailable = <C>(of: (context: C) => ImageScope): Rule<C> =>
  defineRule<C>({
    name: "image-available",
    features: ["C2", "K2", "X3", "G1"],
    kind: "forbidden",
    message: { en: "This image is not available to the VM's department", zh: "该镜像不属于虚拟机所在部门，不可使用" },
    allows: (context) => {
      const { image, departmentId } = of(context)
      return image.departmentId === null || image.departmentId === departmentId
    },
  })

/** G1: a retired catalogue entry is kept by the VMs that have it; nothing new is made with it. */
const inService =
  (name: string, features: ReadonlyArray<string>, what: { readonly en: string; readonly zh: string }) =>
  <C>(of: (context: C) => { readonly name: string; readonly retiredAt?: Date | null }): Rule<C> =>
    defineRule<C>({
      name,
      features,
      kind: "conflict",
      message: (context) => ({
        en: `${what.en} ${of(context).name} is retired; choose another`,
        zh: `${what.zh} ${of(context).name} 已停用，请选择其他${what.zh}`,
      }),
      allows: (context) => (of(context).retiredAt ?? null) === null,
    })

/** G1, C3, K1: no new VM, nor a resize, gets a retired flavor. */
export const flavorInService = inService("flavor-retired", ["G1", "C3", "K1"], { en: "Flavor", zh: "规格" })

/** G1, C2, K2: nothing new is installed from a retired image. */
export const imageInService = inService("image-retired", ["G1", "C2", "K2"], { en: "Image", zh: "镜像" })

/** C2, C3, K1, K2: the image's minimum cores ("最低核数") fit the flavor's CPUs. */
export interface ImageFit {
  readonly image: Image
  readonly cpus: number
}

export const imageMinCores = <C>(of: (context: C) => ImageFit): Rule<C> =>
  defineRule<C>({
    name: "image-min-cores",
    features: ["C2", "C3", "K1", "K2"],
    kind: "invalid",
    message: (context) => {
      const { image, cpus } = of(context)
      return {
        en: `The image needs at least ${image.minCores} CPUs; the flavor has ${cpus}`,
        zh: `该镜像最低需要 ${image.minCores} 核 CPU，当前规格仅有 ${cpus} 核`,
      }
    },
    allows: (context) => {
      const { image, cpus } = of(context)
      return image.minCores <= cpus
    },
  })

export interface LoginChoice {
  readonly loginMethod: LoginMethod
  readonly osFamily: OsFamily
}

/** C3, R13, K2: "如果用户选择Linux操作系统的镜像，则支持选择虚拟机的登录方式" — SSH keys are Linux only. */
export const sshKeyLinuxOnly = <C>(of: (context: C) => LoginChoice): Rule<C> =>
  defineRule<C>({
    name: "ssh-key-linux-only",
    features: ["C3", "R13", "K2"],
    kind: "invalid",
    message: {
      en: "Login by SSH key pair is only for Linux; this image is Windows",
      zh: "仅Linux操作系统的虚拟机支持密钥对登录",
    },
    allows: (context) => {
      const { loginMethod, osFamily } = of(context)
      return loginMethod !== "ssh-key" || osFamily === "linux"
    },
  })

/** C3, R13: login by SSH key needs a key pair ("选择密钥对"). */
export interface KeyPairChoice {
  readonly loginMethod: LoginMethod
  readonly keyPair: KeyPair | null
}

export const keyPairRequired = <C>(of: (context: C) => KeyPairChoice): Rule<C> =>
  defineRule<C>({
    name: "key-pair-required",
    features: ["C3", "R13"],
    kind: "invalid",
    message: { en: "Choose a key pair for login by SSH key", zh: "使用SSH密钥登录时，请选择密钥对" },
    allows: (context) => {
      const { loginMethod, keyPair } = of(context)
      return loginMethod !== "ssh-key" || keyPair !== null
    },
  })

/** C3, R13, X5: the key pairs put into a VM belong to its owner; nobody plants a stranger's key. */
export interface KeyPairOwnership {
  readonly keyPairs: ReadonlyArray<KeyPair>
  readonly ownerId: string
}

export const keyPairOwner = <C>(of: (context: C) => KeyPairOwnership): Rule<C> =>
  defineRule<C>({
    name: "key-pair-owner",
    features: ["C3", "R13", "X5"],
    kind: "forbidden",
    message: { en: "A key pair must belong to the VM's owner", zh: "密钥对必须属于虚拟机的所有者" },
    allows: (context) => {
      const { keyPairs, ownerId } = of(context)
      return keyPairs.every((keyPair) => keyPair.userId === ownerId)
    },
  })

/** C3, R10: "关联亲和组可选的列表即为当前虚拟机所属部门所有的亲和组列表". */
export interface AffinityChoice {
  readonly groups: ReadonlyArray<AffinityGroup>
  readonly departmentId: string
}

export const affinityGroupDepartment = <C>(of: (context: C) => AffinityChoice): Rule<C> =>
  defineRule<C>({
    name: "affinity-group-department",
    features: ["C3", "R10"],
    kind: "invalid",
    message: {
      en: "Affinity groups must belong to the VM's department",
      zh: "只能选择虚拟机所属部门的亲和组",
    },
    allows: (context) => {
      const { groups, departmentId } = of(context)
      return groups.every((group) => group.departmentId === departmentId)
    },
  })

/** C3, R8: "当且仅当虚拟机操作系统为windows时，克隆虚拟机时允许选择配置入域组件". */
export interface ComponentChoice {
  readonly components: ReadonlyArray<string>
  readonly osFamily: OsFamily
}

export const domainJoinWindowsOnly = <C>(of: (context: C) => ComponentChoice): Rule<C> =>
  defineRule<C>({
    name: "domain-join-windows-only",
    features: ["C3", "R8"],
    kind: "invalid",
    message: { en: "The domain-join component is only for Windows VMs", zh: "仅Windows虚拟机支持配置入域组件" },
    allows: (context) => {
      const { components, osFamily } = of(context)
      return osFamily === "windows" || !components.includes(domainJoinComponent)
    },
  })

/** X1, K1: "虚拟机所用的规格支持GPU" — a VM with GPUs (or asking for some) needs a flavor that allows them. */
export interface GpuChoice {
  readonly flavor: Flavor
  readonly gpus: number
}

export const gpuAllowedByFlavor = <C>(of: (context: C) => GpuChoice): Rule<C> =>
  defineRule<C>({
    name: "gpu-not-allowed-by-flavor",
    features: ["X1", "K1"],
    kind: "conflict",
    message: (context) => ({
      en: `The flavor ${of(context).flavor.name} does not allow GPUs`,
      zh: `规格 ${of(context).flavor.name} 不支持GPU`,
    }),
    allows: (context) => {
      const { flavor, gpus } = of(context)
      return gpus === 0 || flavor.gpuAllowed
    },
  })

/** C2, K2: a system disk is installed from a disk image; an ISO is attached as a CD-ROM instead (X3). */
export const imageInstallable = <C>(imageOf: (context: C) => Image): Rule<C> =>
  defineRule<C>({
    name: "image-installable",
    features: ["C2", "K2"],
    kind: "invalid",
    message: {
      en: "An ISO image cannot be installed as the system disk; attach it as an ISO instead",
      zh: "ISO镜像不能用于安装系统磁盘，请通过挂载ISO使用",
    },
    allows: (context) => imageOf(context).format !== "iso",
  })
