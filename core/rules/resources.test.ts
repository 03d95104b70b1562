import { describe, it } from "node:test"
import type { Image } from "../model/catalog.ts"
import {
  type AffinityChoice,
  affinityGroupDepartment,
  type ComponentChoice,
  domainJoinComponent,
  domainJoinWindowsOnly,
  type GpuChoice,
  gpuAllowedByFlavor,
  type ImageFit,
  type ImageScope,
  imageAvailable,
  imageInstallable,
  imageMinCores,
  type KeyPairChoice,
  type KeyPairOwnership,
  keyPairOwner,
  keyPairRequired,
  type LoginChoice,
  sshKeyLinuxOnly,
} from "./resources.ts"
import {
  assertAllows,
  assertRefuses,
  sampleAffinityGroup,
  sampleFlavor,
  sampleImage,
  sampleKeyPair,
} from "./testing.ts"

const id = <C>(context: C): C => context

describe("resource rules", () => {
  const available = imageAvailable(id<ImageScope>)
  it("C2 image-available: allows a public image", () =>
    assertAllows(available, { image: sampleImage(), departmentId: "dept-1" }))
  it("C2 image-available: refuses another department's image", () =>
    assertRefuses(available, { image: sampleImage({ departmentId: "dept-2" }), departmentId: "dept-1" }))

  const installable = imageInstallable(id<Image>)
  it("C2 K2 image-installable: allows a disk image", () => assertAllows(installable, sampleImage()))
  it("C2 K2 image-installable: refuses an ISO", () => assertRefuses(installable, sampleImage({ format: "iso" })))

  const minCores = imageMinCores(id<ImageFit>)
  it("C2 C3 image-min-cores: allows a flavor with enough CPUs", () =>
    assertAllows(minCores, { image: sampleImage({ minCores: 2 }), cpus: 2 }))
  it("C2 C3 image-min-cores: refuses a flavor with too few CPUs", () =>
    assertRefuses(minCores, { image: sampleImage({ minCores: 4 }), cpus: 2 }))

  const linux = sshKeyLinuxOnly(id<LoginChoice>)
  it("C3 R13 ssh-key-linux-only: allows SSH keys on Linux", () =>
    assertAllows(linux, { loginMethod: "ssh-key", osFamily: "linux" }))
  it("C3 ssh-key-linux-only: allows a password on Windows", () =>
    assertAllows(linux, { loginMethod: "password", osFamily: "windows" }))
  it("C3 R13 ssh-key-linux-only: refuses SSH keys on Windows", () =>
    assertRefuses(linux, { loginMethod: "ssh-key", osFamily: "windows" }))

  const required = keyPairRequired(id<KeyPairChoice>)
  it("C3 R13 key-pair-required: allows SSH login with a key pair", () =>
    assertAllows(required, { loginMethod: "ssh-key", keyPair: sampleKeyPair() }))
  it("C3 R13 key-pair-required: refuses SSH login without a key pair", () =>
    assertRefuses(required, { loginMethod: "ssh-key", keyPair: null }))

  const owner = keyPairOwner(id<KeyPairOwnership>)
  it("C3 X5 key-pair-owner: allows the owner's key pair", () =>
    assertAllows(owner, { keyPairs: [sampleKeyPair()], ownerId: "user-1" }))
  it("C3 X5 key-pair-owner: refuses someone else's key pair", () =>
    assertRefuses(owner, { keyPairs: [sampleKeyPair({ userId: "user-9" })], ownerId: "user-1" }))

  const affinity = affinityGroupDepartment(id<AffinityChoice>)
  it("C3 R10 affinity-group-department: allows the department's groups", () =>
    assertAllows(affinity, { groups: [sampleAffinityGroup()], departmentId: "dept-1" }))
  it("C3 R10 affinity-group-department: refuses another department's group", () =>
    assertRefuses(affinity, { groups: [sampleAffinityGroup({ departmentId: "dept-2" })], departmentId: "dept-1" }))

  const domainJoin = domainJoinWindowsOnly(id<ComponentChoice>)
  it("C3 R8 domain-join-windows-only: allows domain join on Windows", () =>
    assertAllows(domainJoin, { components: [domainJoinComponent], osFamily: "windows" }))
  it("C3 R8 domain-join-windows-only: refuses domain join on Linux", () =>
    assertRefuses(domainJoin, { components: [domainJoinComponent], osFamily: "linux" }))

  const gpu = gpuAllowedByFlavor(id<GpuChoice>)
  it("X1 K1 gpu-not-allowed-by-flavor: allows GPUs with a GPU flavor", () =>
    assertAllows(gpu, { flavor: sampleFlavor({ gpuAllowed: true }), gpus: 1 }))
  it("K1 gpu-not-allowed-by-flavor: allows a flavor without GPUs when none are used", () =>
    assertAllows(gpu, { flavor: sampleFlavor(), gpus: 0 }))
  it("X1 K1 gpu-not-allowed-by-flavor: refuses GPUs with a flavor that does not allow them", () =>
    assertRefuses(gpu, { flavor: sampleFlavor(), gpus: 1 }))
})
