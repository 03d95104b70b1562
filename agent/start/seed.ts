import { randomUUID } from "node:crypto"
import { Effect } from "effect"
import { issueToken } from "../../core/auth/tokens.ts"
import { HostConfig } from "../../core/config.ts"
import type { Flavor, Image } from "../../core/model/index.ts"
import { now } from "../../core/operations/clock.ts"
import { Store } from "../../core/store/ports.ts"
import type { GuestImageFiles } from "./guest-image.ts"

/** The ids `npm start` seeds, so that the README's `curl` works on every fresh clone. */
export const seedIds = {
  image: "tiny-linux",
  flavors: { tiny: "tiny", small: "small", medium: "medium", large: "large" },
  network: "default",
  subnet: "default-10-0-2-0",
  company: "demo",
  department: "demo",
} as const

export interface HostFacts {
  readonly name: string
  /** Where this host's agent answers (http://host:port). */
  readonly address: string
  readonly driver: string
  readonly cpus: number
  readonly memoryMiB: number
  /** #16: the operator's --zone, --cpu-overcommit, --memory-overcommit; unset keeps the stored value. */
  readonly zone?: string | undefined
  readonly cpuOvercommitPercent?: number | undefined
  readonly memoryOvercommitPercent?: number | undefined
}

export interface SeedOptions {
  readonly host: HostFacts
  /** Makes the tiny guest's files; run only when the image is missing or its files are gone. */
  readonly guestImage: Effect.Effect<GuestImageFiles, unknown>
  /** Whether the image's files must exist on this host (QEMU) or are never read (the fake driver). */
  readonly imageFilesMatter: boolean
  /** Whether an image's files are present. */
  readonly filesExist: (paths: ReadonlyArray<string>) => boolean
}

export interface SeedReport {
  /** What this start added, one line each, for the start-up message. */
  readonly added: ReadonlyArray<string>
  /** The first superadmin's token, made by this start: print it once, it is never shown again. */
  readonly superadminToken: string | undefined
}

const defaultFlavors: ReadonlyArray<Omit<Flavor, "createdAt">> = [
  { id: seedIds.flavors.tiny, name: "tiny", cpus: 1, memoryMiB: 128, gpuAllowed: false, perDay: 100 },
  { id: seedIds.flavors.small, name: "small", cpus: 1, memoryMiB: 512, gpuAllowed: false, perDay: 300 },
  { id: seedIds.flavors.medium, name: "medium", cpus: 2, memoryMiB: 2048, gpuAllowed: false, perDay: 800 },
  { id: seedIds.flavors.large, name: "large", cpus: 4, memoryMiB: 8192, gpuAllowed: false, perDay: 2000 },
]

const imageFiles = (image: Image) =>
  image.boot.kind === "kernel" ? [image.location, image.boot.kernel, image.boot.initrd] : [image.location]

/** This host's row: made on the first start, brought up to date (driver, capacity, address) on every start. */
const seedHost = Effect.fn("seed.host")(function* (facts: HostFacts) {
  const store = yield* Store
  const config = yield* HostConfig
  const at = yield* now
  const { zone, cpuOvercommitPercent, memoryOvercommitPercent, ...measured } = facts
  const current = { ...measured, state: "up" as const, heartbeatAt: at, agentStoppedAt: null }
  // #16: what the operator set by flag wins; what it did not set keeps the stored value (or the first start's default).
  const chosen = {
    ...(zone === undefined ? {} : { zone }),
    ...(cpuOvercommitPercent === undefined ? {} : { cpuOvercommitPercent }),
    ...(memoryOvercommitPercent === undefined ? {} : { memoryOvercommitPercent }),
  }
  const existing = yield* store.hosts.get(config.hostId).pipe(Effect.option)
  if (existing._tag === "Some") {
    // #16: a host an admin drained stays in maintenance across restarts.
    const state = existing.value.state === "maintenance" ? existing.value.state : current.state
    yield* store.hosts.update(config.hostId, { ...current, ...chosen, state })
    return []
  }
  const inserted = yield* store.hosts.insert({
    id: config.hostId,
    zone: "default",
    pod: "default",
    cpuOvercommitPercent: 400,
    memoryOvercommitPercent: 100,
    networkIds: [],
    dedicatedDepartmentId: null,
    createdAt: at,
    ...current,
    ...chosen,
  })
  return [
    `host ${facts.name}: ${facts.cpus} CPUs, ${Math.round(facts.memoryMiB / 1024)} GiB memory (zone ${inserted.zone})`,
  ]
})

const seedFlavors = Effect.fn("seed.flavors")(function* () {
  const store = yield* Store
  if ((yield* store.flavors.list()).length > 0) return []
  const at = yield* now
  for (const flavor of defaultFlavors) yield* store.flavors.insert({ ...flavor, createdAt: at })
  return [`flavors ${defaultFlavors.map((f) => `${f.id} (${f.cpus} CPU, ${f.memoryMiB} MiB)`).join(", ")}`]
})

/** The tiny guest; built (with progress) only when the image is missing or its files are gone from this host. */
const seedImage = Effect.fn("seed.image")(function* (options: SeedOptions) {
  const store = yield* Store
  const existing = yield* store.images.get(seedIds.image).pipe(Effect.option)
  if (existing._tag === "Some" && (!options.imageFilesMatter || options.filesExist(imageFiles(existing.value)))) {
    return []
  }
  const files = yield* options.guestImage
  const fields = {
    name: "tiny-linux",
    osFamily: "linux" as const,
    osName: `Debian kernel ${files.kernelRelease} with busybox (hyperx tiny guest ${files.version})`,
    format: "qcow2" as const,
    location: files.systemDisk,
    boot: { kind: "kernel" as const, kernel: files.kernel, initrd: files.initrd, cmdline: files.cmdline },
    sizeBytes: files.sizeBytes,
  }
  if (existing._tag === "Some") {
    yield* store.images.update(seedIds.image, fields)
    return [`image ${seedIds.image}: files made again (${files.version})`]
  }
  yield* store.images.insert({
    id: seedIds.image,
    ...fields,
    minCores: 1,
    minDiskGiB: 1,
    perDay: 0,
    departmentId: null,
    sourceVmId: null,
    // R6 R11: its guest agent sets passwords (core/operations/password.qemu.test.ts proves it in the guest)
    passwordManaged: true,
    createdAt: yield* now,
  })
  return [`image ${seedIds.image} (${fields.osName})`]
})

/** QEMU's user-mode network (NAT, no root needed): 10.0.2.0/24, gateway .2, DNS .3, guests from .15. */
const seedNetwork = Effect.fn("seed.network")(function* () {
  const store = yield* Store
  if ((yield* store.networks.get(seedIds.network).pipe(Effect.option))._tag === "Some") return []
  yield* store.networks.insert({
    id: seedIds.network,
    name: "default",
    kind: "shared",
    departmentId: null,
    backing: { kind: "user" },
    createdAt: yield* now,
  })
  yield* store.subnets.insert({
    id: seedIds.subnet,
    networkId: seedIds.network,
    cidr: "10.0.2.0/24",
    gateway: "10.0.2.2",
    dhcp: true,
    rangeStart: "10.0.2.15",
    rangeEnd: "10.0.2.254",
    reserved: [],
    dns: ["10.0.2.3"],
  })
  return ["network default (user-mode NAT, 10.0.2.0/24)"]
})

/** A demo company and department on an empty platform, and the first superadmin with a token. */
const seedOrganisation = Effect.fn("seed.organisation")(function* () {
  const store = yield* Store
  const added: Array<string> = []
  const at = yield* now
  if ((yield* store.companies.list()).length === 0) {
    yield* store.companies.insert({ id: seedIds.company, name: "Demo", number: "01", createdAt: at })
    yield* store.departments.insert({
      id: seedIds.department,
      companyId: seedIds.company,
      name: "demo",
      reclaimPolicy: "notify-only",
      reclaimNoticeDays: 3,
      createdAt: at,
    })
    added.push("organisation Demo (company 01) / department demo")
  }
  if ((yield* store.users.list({ role: "superadmin" })).length > 0) return { added, token: undefined }
  const [department] = yield* store.departments.list()
  if (department === undefined) return { added, token: undefined }
  const user = yield* store.users.insert({
    id: randomUUID(),
    name: "superadmin",
    email: "superadmin@localhost",
    role: "superadmin",
    companyId: department.companyId,
    departmentId: department.id,
    createdAt: at,
  })
  const { secret } = yield* issueToken(user.id, "first start")
  added.push(`user superadmin (superadmin, department ${department.name})`)
  return { added, token: secret }
})

/**
 * The first start of a host makes what a new user needs to boot a VM with one `curl`; every later start only
 * brings the host's row up to date and makes again what has gone missing. Nothing is ever overwritten.
 */
export const seedPlatform = Effect.fn("seed.platform")(function* (options: SeedOptions) {
  const host = yield* seedHost(options.host)
  const flavors = yield* seedFlavors()
  const image = yield* seedImage(options)
  const network = yield* seedNetwork()
  const organisation = yield* seedOrganisation()
  const report: SeedReport = {
    added: [...host, ...flavors, ...image, ...network, ...organisation.added],
    superadminToken: organisation.token,
  }
  return report
})
