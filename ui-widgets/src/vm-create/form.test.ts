import assert from "node:assert/strict"
import { describe, it } from "node:test"
import type { Flavor, Image } from "../api/types.ts"
import {
  type CreateForm,
  checkForm,
  createBody,
  emptyForm,
  fieldOfRule,
  quoteBody,
  refusalsOf,
  topologyOf,
} from "./form.ts"

const image: Image = {
  id: "i1",
  name: "debian",
  osFamily: "linux",
  osName: "Debian 12",
  format: "qcow2",
  location: "/var/lib/hyperx/images/debian.qcow2",
  boot: { kind: "disk" },
  minCores: 2,
  minDiskGiB: 10,
  perDay: 0,
  departmentId: null,
  sourceVmId: null,
  passwordManaged: true,
  sizeBytes: 0,
  createdAt: "2026-12-01T00:00:00.000Z",
}
const flavor = (cpus: number): Flavor => ({
  id: `f${cpus}`,
  name: `c${cpus}`,
  cpus,
  memoryMiB: 1024,
  gpuAllowed: false,
  perDay: 100,
  createdAt: "2026-12-01T00:00:00.000Z",
})
const now = new Date("2027-01-01T00:00:00Z")
const form = (patch: Partial<CreateForm>): CreateForm => ({ ...emptyForm, imageId: "i1", flavorId: "f4", ...patch })
const rules = (patch: Partial<CreateForm>, cpus = 4) =>
  Object.fromEntries([...checkForm(form(patch), { image, flavor: flavor(cpus), now })].map(([key, r]) => [key, r.rule]))

describe("the wizard's input rules (mirrors of the core's)", () => {
  it("C1 name-format: 2–20 letters, digits, Chinese or underscore; an empty name is generated from the tags", () => {
    assert.equal(rules({ name: "a" }).name, "name-format")
    assert.equal(rules({ name: "web-01" }).name, "name-format")
    assert.equal(rules({ name: "网站_01" }).name, undefined)
    assert.equal(rules({ name: "" }).tags, "name-tags")
    assert.equal(
      rules({ name: "", tags: { "app-group": "shop", "app-role": "web", "app-type": "nginx" } }).tags,
      undefined,
    )
  })

  it("C1 C8 batch-count: 1–10; several VMs need the name tags and never a custom name", () => {
    for (const count of ["0", "11", "2.5", "x"]) assert.equal(rules({ count }).count, "batch-count", count)
    assert.equal(rules({ count: "3", name: "web_01" }).tags, "name-tags")
    const body = createBody(
      form({ count: "3", name: "web_01", tags: { "app-group": "shop", "app-role": "web", "app-type": "nginx" } }),
      image,
    )
    assert.equal(body.count, 3)
    assert.equal(body.name, undefined)
  })

  it("C1 C3 reclaim date in the future, password format, key pair for SSH login, the image's minimum CPUs", () => {
    assert.equal(rules({ reclaimAt: "2026-12-31" }).reclaimAt, "reclaim-date-future")
    assert.equal(rules({ reclaimAt: "2027-06-30" }).reclaimAt, undefined)
    assert.equal(rules({ password: "secret" }).password, "password-format")
    assert.equal(rules({ password: "Secret123" }).password, undefined)
    assert.equal(rules({ loginMethod: "ssh-key" }).keyPairId, "key-pair-required")
    assert.equal(rules({}, 1).flavorId, "image-min-cores")
  })

  it("Next is held back only by the current step's refusals", () => {
    const refusals = checkForm(form({ name: "a", password: "x" }), { image, flavor: flavor(4), now })
    assert.deepEqual(refusalsOf("basic", refusals), ["name"])
    assert.deepEqual(refusalsOf("config", refusals), ["password"])
    assert.deepEqual(refusalsOf("network", refusals), [])
  })

  it("C4 sockets auto follows the core's rule; by hand only divisors of the CPU count", () => {
    assert.deepEqual(topologyOf(form({}), flavor(16))?.auto, { sockets: 2, coresPerSocket: 8 })
    assert.deepEqual(topologyOf(form({}), flavor(12))?.auto, { sockets: 3, coresPerSocket: 4 })
    assert.deepEqual(topologyOf(form({}), flavor(3))?.auto, { sockets: 1, coresPerSocket: 3 })
    assert.deepEqual(topologyOf(form({ sockets: "5" }), flavor(12))?.divisors, [1, 2, 3, 4, 6, 12])
    assert.equal(topologyOf(form({ sockets: "5" }), flavor(12))?.chosen, undefined)
  })

  it("C5 C7 HA on by default; the quote asks for what is chosen; the body carries only what was chosen", () => {
    assert.equal(emptyForm.haEnabled, true)
    assert.equal(quoteBody({ ...emptyForm }), undefined)
    assert.deepEqual(quoteBody(form({ count: "2", dataDisks: [{ sizeGiB: "100", storageClass: "" }] })), {
      imageId: "i1",
      flavorId: "f4",
      count: 2,
      dataDisks: [{ sizeGiB: 100 }],
    })
    const body = createBody(form({ name: "web_01", domainJoin: true }), image)
    assert.deepEqual(body.components, [])
    assert.equal(body.haEnabled, true)
    assert.equal("password" in body, false)
    assert.deepEqual(createBody(form({ domainJoin: true }), { ...image, osFamily: "windows" }).components, [
      "domain-join",
    ])
  })

  it("a rule the API names lands on its step and field", () => {
    assert.deepEqual(fieldOfRule("name-format"), { step: "basic", field: "name" })
    assert.deepEqual(fieldOfRule("password-format"), { step: "config", field: "password" })
    assert.equal(fieldOfRule("quota-vm-count"), undefined)
  })
})
