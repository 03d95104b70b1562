import { describe, it } from "node:test"
import { inventoryOnOwnHost } from "./hosts.ts"
import {
  type ImageFileContext,
  imageChecksumMatches,
  imageFormatMatches,
  imageInUse,
  imagePasswordManaged,
} from "./images.ts"
import { assertAllows, assertRefuses, sampleActor } from "./testing.ts"
import { sampleHost, sampleImage } from "./testing-records.ts"

const file = (overrides: Partial<ImageFileContext> = {}): ImageFileContext => ({
  actor: sampleActor({ role: "superadmin" }),
  claimedFormat: "iso",
  detectedFormat: "iso",
  problem: null,
  expectedSha256: null,
  sha256: "ab".repeat(32),
  passwordManaged: false,
  ...overrides,
})

describe("image library and inventory rules (X3, X1, X4)", () => {
  it("X3 image-format: the file is what was claimed, and qemu-img had nothing against it", () => {
    assertAllows(imageFormatMatches, file())
    assertRefuses(imageFormatMatches, file({ detectedFormat: "raw" }))
    assertRefuses(imageFormatMatches, file({ claimedFormat: "qcow2", detectedFormat: "qcow2", problem: "backing" }))
  })

  it("X3 image-checksum: no checksum given, or the same (any case)", () => {
    assertAllows(imageChecksumMatches, file())
    assertAllows(imageChecksumMatches, file({ expectedSha256: "AB".repeat(32) }))
    assertRefuses(imageChecksumMatches, file({ expectedSha256: "cd".repeat(32) }))
  })

  it("R6 R11 X3 image-password-managed: a disk image may set passwords, an ISO may not", () => {
    assertAllows(imagePasswordManaged, file())
    assertAllows(imagePasswordManaged, file({ claimedFormat: "qcow2", detectedFormat: "qcow2", passwordManaged: true }))
    assertRefuses(imagePasswordManaged, file({ passwordManaged: true }))
  })

  it("X3 image-in-use: neither installed on a VM nor in a CD-ROM", () => {
    const base = { actor: sampleActor({ role: "superadmin" }), image: sampleImage(), installedOn: 0, insertedIn: 0 }
    assertAllows(imageInUse, base)
    assertRefuses(imageInUse, { ...base, installedOn: 1 })
    assertRefuses(imageInUse, { ...base, insertedIn: 1 })
  })

  it("X1 X4 inventory-on-own-host: sysfs is read by the host's own agent", () => {
    const host = sampleHost({ id: "host-1" })
    const actor = sampleActor({ role: "superadmin" })
    assertAllows(inventoryOnOwnHost, { actor, host, localHostId: "host-1" })
    assertRefuses(inventoryOnOwnHost, { actor, host, localHostId: "host-2" })
  })
})
