import { isValidName, isValidPassword } from "../../../core/rules/input-checks.ts"
import { autoSockets, hasNameTags, nameTagKeys } from "../../../core/rules/naming.ts"
import type { Flavor, Image, Network, Quote } from "../api/types.ts"
import { validIsoDate } from "../date-field/date-parts.ts"
import { type NetworkForm, networkRule, networksBody } from "./network-choice.ts"

/** The wizard's fields as the user typed them (numbers stay text until they are valid). */
export interface CreateForm extends NetworkForm {
  readonly ownerId: string
  readonly count: string
  readonly name: string
  readonly tags: Readonly<Record<(typeof nameTagKeys)[number], string>>
  readonly reclaimAt: string
  readonly remarks: string
  readonly imageId: string
  readonly flavorId: string
  readonly sockets: string
  readonly dataDisks: ReadonlyArray<{ readonly sizeGiB: string; readonly storageClass: string }>
  readonly loginMethod: "password" | "ssh-key"
  readonly password: string
  readonly keyPairId: string
  readonly haEnabled: boolean
  readonly dedicatedHost: boolean
  readonly domainJoin: boolean
  readonly start: boolean
}

export const emptyForm: CreateForm = {
  ownerId: "",
  count: "1",
  name: "",
  tags: { "app-group": "", "app-role": "", "app-type": "" },
  reclaimAt: "",
  remarks: "",
  imageId: "",
  flavorId: "",
  sockets: "auto",
  dataDisks: [],
  loginMethod: "password",
  password: "",
  keyPairId: "",
  // C5: HA is on by default.
  haEnabled: true,
  dedicatedHost: false,
  domainJoin: false,
  start: true,
  // C6: automatic placement unless the user chooses networks.
  networkMode: "auto",
  networks: [],
}

export const steps = ["basic", "image", "config", "network", "confirm"] as const
export type Step = (typeof steps)[number]

/** A field a rule can mark; data disks are marked one by one (disk-0, disk-1, …). */
export type Field =
  | "ownerId"
  | "count"
  | "name"
  | "tags"
  | "reclaimAt"
  | "remarks"
  | "imageId"
  | "flavorId"
  | "password"
  | "keyPairId"
  | "networks"
export type FieldKey = Field | `disk-${number}`

/** Which step shows which fields, so Next knows what it must check. */
export const stepFields: Readonly<Record<Step, ReadonlyArray<Field | "disks">>> = {
  basic: ["ownerId", "count", "name", "tags", "reclaimAt", "remarks"],
  image: ["imageId"],
  config: ["flavorId", "password", "keyPairId", "disks"],
  network: ["networks"],
  confirm: [],
}

/** The refusal shown under a field: the core rule's name, and its argument when the message takes one. */
export interface Refusal {
  readonly rule: string
  readonly arg?: number
}

export interface Choices {
  readonly image: Image | undefined
  readonly flavor: Flavor | undefined
  /** The networks the caller may choose (C6), empty on an agent without them. */
  readonly networks: ReadonlyArray<Network>
  readonly now: Date
}

/** C1, R2 name-format: the core's own check (Effect-free, shared with the API's rule). */
export const validName = isValidName
const passwordOk = isValidPassword

export const countOf = (form: CreateForm): number | undefined => {
  const count = Number(form.count)
  return /^\d+$/.test(form.count.trim()) && count >= 1 && count <= 10 ? count : undefined
}

const diskSizeOf = (text: string): number | undefined => {
  const size = Number(text)
  return /^\d+$/.test(text.trim()) && size >= 1 && size <= 65536 ? size : undefined
}

/** Whether the VMs will be named from their tags (several VMs, or one without a name). */
export const namesFromTags = (form: CreateForm): boolean => countOf(form) !== 1 || form.name.trim() === ""

/**
 * The manual's input rules, checked as the user types so the wizard can say what is wrong before anything is sent.
 * They mirror the core's rules of the same names (core/rules/inputs.ts, create.ts); the API checks them again, and a
 * refusal it sends is shown the same way.
 */
export const checkForm = (form: CreateForm, choices: Choices): ReadonlyMap<FieldKey, Refusal> => {
  const refusals = new Map<FieldKey, Refusal>()
  const count = countOf(form)
  if (count === undefined) refusals.set("count", { rule: "batch-count" })
  if (count === 1 && form.name.trim() !== "" && !isValidName(form.name.trim())) {
    refusals.set("name", { rule: "name-format" })
  }
  const tags = Object.fromEntries(nameTagKeys.map((key) => [key, form.tags[key].trim()]))
  if (namesFromTags(form) && !hasNameTags(tags)) refusals.set("tags", { rule: "name-tags" })
  const reclaimDay = new Date(`${form.reclaimAt}T00:00:00`).getTime()
  if (form.reclaimAt !== "" && !(validIsoDate(form.reclaimAt) && reclaimDay > choices.now.getTime())) {
    refusals.set("reclaimAt", { rule: "reclaim-date-future" })
  }
  if (form.remarks.length > 1000) refusals.set("remarks", { rule: "remarks-length" })
  if (form.imageId === "") refusals.set("imageId", { rule: "required" })
  if (form.flavorId === "") refusals.set("flavorId", { rule: "required" })
  else if (
    choices.image !== undefined &&
    choices.flavor !== undefined &&
    choices.flavor.cpus < choices.image.minCores
  ) {
    refusals.set("flavorId", { rule: "image-min-cores", arg: choices.image.minCores })
  }
  form.dataDisks.forEach((disk, index) => {
    if (diskSizeOf(disk.sizeGiB) === undefined) refusals.set(`disk-${index}`, { rule: "disk-size" })
  })
  if (form.loginMethod === "password" && form.password !== "" && !passwordOk(form.password)) {
    refusals.set("password", { rule: "password-format" })
  }
  if (form.loginMethod === "ssh-key" && form.keyPairId.trim() === "") {
    refusals.set("keyPairId", { rule: "key-pair-required" })
  }
  const network = networkRule(form, count, choices.networks)
  if (network !== undefined) refusals.set("networks", { rule: network })
  return refusals
}

/** The refusals that keep the user on this step. */
export const refusalsOf = (step: Step, refusals: ReadonlyMap<FieldKey, Refusal>): ReadonlyArray<FieldKey> =>
  [...refusals.keys()].filter((key) =>
    stepFields[step].some((field) => field === key || (field === "disks" && key.startsWith("disk-"))),
  )

/** C4: the sockets "auto" picks, or the hand-chosen split; the choices are the divisors of the CPU count. */
export const topologyOf = (form: CreateForm, flavor: Flavor | undefined) => {
  if (flavor === undefined) return undefined
  const auto = autoSockets(flavor.cpus)
  const divisors = Array.from({ length: flavor.cpus }, (_, i) => i + 1).filter((n) => flavor.cpus % n === 0)
  const chosen = form.sockets === "auto" ? undefined : Number(form.sockets)
  return { auto, divisors, chosen: chosen !== undefined && divisors.includes(chosen) ? chosen : undefined }
}

/** C1 preview of generated names; the company number comes from the platform and is shown as "…". */
export const namePreview = (form: CreateForm): string | undefined => {
  const tags = form.tags
  if (!hasNameTags(tags)) return undefined
  return `${tags["app-group"]}-${tags["app-role"]}01${tags["app-type"]}-…`
}

/** C7: what the request adds to the department, to compare with the remaining quota. */
export const demandOf = (form: CreateForm, choices: Choices) => {
  const count = countOf(form) ?? 1
  const data = form.dataDisks.reduce((sum, disk) => sum + (diskSizeOf(disk.sizeGiB) ?? 0), 0)
  return {
    cpus: (choices.flavor?.cpus ?? 0) * count,
    memoryMiB: (choices.flavor?.memoryMiB ?? 0) * count,
    diskGiB: ((choices.image?.minDiskGiB ?? 0) + data) * count,
    vmCount: count,
  }
}

export const exceeds = (remaining: number | null, demand: number): boolean => remaining !== null && demand > remaining

export type QuoteBody = Readonly<Record<string, unknown>>

/** POST /vms/quote's body for the current choice, or undefined until an image and a flavor are chosen. */
export const quoteBody = (form: CreateForm): QuoteBody | undefined => {
  if (form.imageId === "" || form.flavorId === "") return undefined
  const dataDisks = form.dataDisks.flatMap((disk) => {
    const size = diskSizeOf(disk.sizeGiB)
    return size === undefined ? [] : [{ sizeGiB: size }]
  })
  return {
    imageId: form.imageId,
    flavorId: form.flavorId,
    count: countOf(form) ?? 1,
    ...(dataDisks.length > 0 ? { dataDisks } : {}),
    ...(form.ownerId.trim() === "" ? {} : { ownerId: form.ownerId.trim() }),
  }
}

/** POST /vms's body: only what was chosen, so the platform's defaults apply to the rest. */
export const createBody = (
  form: CreateForm,
  image: Image | undefined,
  networks: ReadonlyArray<Network>,
): Readonly<Record<string, unknown>> => {
  const count = countOf(form) ?? 1
  const tags = Object.fromEntries(
    Object.entries(form.tags)
      .map(([key, value]) => [key, value.trim()] as const)
      .filter(([, value]) => value !== ""),
  )
  const dataDisks = form.dataDisks.map((disk) => ({
    sizeGiB: diskSizeOf(disk.sizeGiB) ?? 0,
    ...(disk.storageClass.trim() === "" ? {} : { storageClass: disk.storageClass.trim() }),
  }))
  return {
    imageId: form.imageId,
    flavorId: form.flavorId,
    count,
    ...(count === 1 && form.name.trim() !== "" ? { name: form.name.trim() } : {}),
    ...(Object.keys(tags).length > 0 ? { tags } : {}),
    ...(form.remarks === "" ? {} : { remarks: form.remarks }),
    ...(form.reclaimAt === "" ? {} : { reclaimAt: new Date(`${form.reclaimAt}T00:00:00`).toISOString() }),
    sockets: form.sockets === "auto" ? "auto" : Number(form.sockets),
    ...(dataDisks.length > 0 ? { dataDisks } : {}),
    loginMethod: form.loginMethod,
    ...(form.loginMethod === "password" && form.password !== "" ? { password: form.password } : {}),
    ...(form.loginMethod === "ssh-key" ? { keyPairId: form.keyPairId.trim() } : {}),
    components: form.domainJoin && image?.osFamily === "windows" ? ["domain-join"] : [],
    haEnabled: form.haEnabled,
    dedicatedHost: form.dedicatedHost,
    start: form.start,
    ...networksBody(form, networks),
    ...(form.ownerId.trim() === "" ? {} : { ownerId: form.ownerId.trim() }),
  }
}

/** Where a rule the API named belongs in the wizard, so its message appears beside the field. */
export const fieldOfRule = (rule: string | undefined): { step: Step; field: Field } | undefined => {
  switch (rule) {
    case "name-format":
    case "batch-name-generated":
      return { step: "basic", field: "name" }
    case "batch-count":
      return { step: "basic", field: "count" }
    case "name-tags":
      return { step: "basic", field: "tags" }
    case "reclaim-date-future":
      return { step: "basic", field: "reclaimAt" }
    case "image-min-cores":
    case "sockets-divide-cpus":
      return { step: "config", field: "flavorId" }
    case "password-format":
      return { step: "config", field: "password" }
    case "key-pair-required":
    case "key-pair-owner":
      return { step: "config", field: "keyPairId" }
    case "one-default-network":
    case "fixed-ip-single-vm":
    case "fixed-ip-available":
    case "network-free-ips":
    case "network-available":
      return { step: "network", field: "networks" }
    default:
      return undefined
  }
}

export type { Quote }
