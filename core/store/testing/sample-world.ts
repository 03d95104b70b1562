import { Effect } from "effect"
import type { StoreError } from "../../errors.ts"
import type {
  Company,
  Department,
  Disk,
  Flavor,
  Host,
  Image,
  Network,
  Nic,
  Subnet,
  User,
  Vm,
} from "../../model/index.ts"
import { Store, type VmBundle } from "../ports.ts"
import { sampleRows } from "./sample-rows.ts"

/** A consistent set of the rows a VM needs: its organisation, owner, flavor, image, host and a subnet. */
export interface SampleWorld {
  readonly company: Company
  readonly department: Department
  readonly user: User
  readonly flavor: Flavor
  readonly image: Image
  readonly host: Host
  readonly network: Network
  readonly subnet: Subnet
}

export const sampleWorld = (): SampleWorld => {
  const company = sampleRows.company()
  const department = sampleRows.department({ companyId: company.id })
  const user = sampleRows.user({ companyId: company.id, departmentId: department.id, role: "admin" })
  const network = sampleRows.network()
  return {
    company,
    department,
    user,
    flavor: sampleRows.flavor(),
    image: sampleRows.image(),
    host: sampleRows.host(),
    network,
    subnet: sampleRows.subnet({ networkId: network.id }),
  }
}

/** Insert a world's rows, parents first. */
export const insertWorld = (world: SampleWorld): Effect.Effect<SampleWorld, StoreError, Store> =>
  Effect.gen(function* () {
    const store = yield* Store
    yield* store.companies.insert(world.company)
    yield* store.departments.insert(world.department)
    yield* store.users.insert(world.user)
    yield* store.flavors.insert(world.flavor)
    yield* store.images.insert(world.image)
    yield* store.hosts.insert(world.host)
    yield* store.networks.insert(world.network)
    yield* store.subnets.insert(world.subnet)
    return world
  })

/** A VM of the world with a system disk and one default NIC on the world's subnet. */
export const sampleVm = (world: SampleWorld, overrides: Partial<Vm> = {}): Vm =>
  sampleRows.vm({
    ownerId: world.user.id,
    companyId: world.company.id,
    departmentId: world.department.id,
    flavorId: world.flavor.id,
    imageId: world.image.id,
    createdBy: world.user.id,
    cpus: world.flavor.cpus,
    coresPerSocket: world.flavor.cpus,
    memoryMiB: world.flavor.memoryMiB,
    ...overrides,
  })

export const sampleBundle = (
  world: SampleWorld,
  overrides: { readonly vm?: Partial<Vm>; readonly disk?: Partial<Disk>; readonly nic?: Partial<Nic> } = {},
): VmBundle => {
  const vm = sampleVm(world, overrides.vm)
  const disk = sampleRows.disk({
    name: `${vm.hostname}-system`,
    role: "system",
    departmentId: vm.departmentId,
    ownerId: vm.ownerId,
    vmId: vm.id,
    ...overrides.disk,
  })
  const nic = sampleRows.nic({ vmId: vm.id, subnetId: world.subnet.id, ...overrides.nic })
  return { vm, disks: [disk], nics: [nic] }
}
