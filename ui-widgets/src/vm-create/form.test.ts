import assert from "node:assert/strict"
import { describe, it } from "node:test"
import type { Flavor, Image, Network } from "../api/types.ts"
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
import { autoPick, togglePick } from "./network-choice.ts"

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
const network = (id: string, cidr: string, free: number): Network => ({
  id,
  name: id,
  kind: "shared",
  departmentId: null,
  backing: { kind: "bridge", bridge: `br-${id}` },
  createdAt: "2026-12-01T00:00:00.000Z",
  subnets: [
    {
      id: `s-${id}`,
      networkId: id,
      cidr,
      gateway: "",
      dhcp: true,
      rangeStart: "",
      rangeEnd: "",
      reserved: [],
      dns: [],
      used: 0,
      free,
    },
  ],
  used: 0,
  free,
})
const networks = [network("lan", "10.1.0.0/24", 5), network("dmz", "10.2.0.0/24", 9), network("full", "10.3.0.0/30", 0)]
const form = (patch: Partial<CreateForm>): CreateForm => ({ ...emptyForm, imageId: "i1", flavorId: "f4", ...patch })
const rules = (patch: Partial<CreateForm>, cpus = 4) =>
  Object.fromEntries(
    [...checkForm(form(patch), { image, flavor: flavor(cpus), networks, now })].map(([key, r]) => [key, r.rule]),
  )

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
      networks,
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
    const refusals = checkForm(form({ name: "a", password: "x" }), { image, flavor: flavor(4), networks, now })
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
    const body = createBody(form({ name: "web_01", domainJoin: true }), image, [])
    assert.deepEqual(body.components, [])
    assert.equal(body.haEnabled, true)
    assert.equal("password" in body, false)
    assert.deepEqual(createBody(form({ domainJoin: true }), { ...image, osFamily: "windows" }, []).components, [
      "domain-join",
    ])
  })

  it("C6 auto previews the network with the most free IPs; a network without free IPs is never picked", () => {
    assert.equal(autoPick(networks)?.id, "dmz")
    assert.equal(autoPick([networks[2] as Network]), undefined)
    assert.equal(createBody(form({}), image, networks).networks, "auto")
    // an agent without networks: the VM is created without one, as before
    assert.equal("networks" in createBody(form({}), image, []), false)
  })

  it("C6 manual: at least one network, exactly one default, fixed IPs for one VM and inside the network", () => {
    const [lan, dmz, full] = networks as [Network, Network, Network]
    const manual = (patch: Partial<CreateForm>) => rules({ networkMode: "manual", ...patch }).networks
    assert.equal(manual({}), "required")
    const one = togglePick({ networkMode: "manual", networks: [] }, lan, true)
    assert.deepEqual(one, [{ networkId: "lan", ip: "", dhcp: true, isDefault: true }])
    const two = togglePick({ networkMode: "manual", networks: one }, dmz, true)
    assert.deepEqual(
      two.map((pick) => pick.isDefault),
      [true, false],
    )
    assert.equal(manual({ networks: two }), undefined)
    assert.equal(manual({ networks: two.map((pick) => ({ ...pick, isDefault: true })) }), "one-default-network")
    // dropping the default passes the mark on, so that one stays
    assert.deepEqual(togglePick({ networkMode: "manual", networks: two }, lan, false), [
      { networkId: "dmz", ip: "", dhcp: true, isDefault: true },
    ])
    const fixed = [{ ...(one[0] as (typeof one)[number]), ip: "10.1.0.20" }]
    assert.equal(manual({ networks: fixed }), undefined)
    assert.equal(
      manual({ networks: fixed, count: "2", tags: { "app-group": "a", "app-role": "b", "app-type": "c" } }),
      "fixed-ip-single-vm",
    )
    assert.equal(
      manual({ networks: [{ ...(fixed[0] as (typeof fixed)[number]), ip: "10.9.0.20" }] }),
      "fixed-ip-available",
    )
    assert.equal(
      manual({ networks: [{ networkId: full.id, ip: "", dhcp: true, isDefault: true }] }),
      "network-free-ips",
    )
    assert.deepEqual(createBody(form({ networkMode: "manual", networks: fixed }), image, networks).networks, [
      { networkId: "lan", ip: "10.1.0.20", dhcp: true, isDefault: true },
    ])
    assert.deepEqual(fieldOfRule("one-default-network"), { step: "network", field: "networks" })
  })

  it("a rule the API names lands on its step and field", () => {
    assert.deepEqual(fieldOfRule("name-format"), { step: "basic", field: "name" })
    assert.deepEqual(fieldOfRule("password-format"), { step: "config", field: "password" })
    assert.equal(fieldOfRule("quota-vm-count"), undefined)
  })
})
