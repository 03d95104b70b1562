import assert from "node:assert/strict"
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, describe, it } from "node:test"
import { fileURLToPath } from "node:url"
import { Schema } from "effect"
import { VmSpec } from "../../../core/driver/spec.ts"
import { domainXml } from "./domain-xml.ts"
import { DomainXmlOptions } from "./options.ts"
import { domainXmlProblems } from "./validate.ts"

/** Each case: golden/<case>.spec.json ({ spec, options }) → golden/<case>.xml. UPDATE_GOLDEN=1 rewrites them. */
const goldenDir = fileURLToPath(new URL("./golden/", import.meta.url))
const GoldenCase = Schema.Struct({ spec: VmSpec, options: DomainXmlOptions })
const update = process.env.UPDATE_GOLDEN === "1"
const cases = readdirSync(goldenDir)
  .filter((file) => file.endsWith(".spec.json"))
  .map((file) => file.slice(0, -".spec.json".length))
  .sort()

/** libvirt's own schema check: virt-xml-validate and the RNG files (libvirt-clients) run xmllint (libxml2-utils). */
const validator = ["virt-xml-validate", "xmllint"].every((tool) => spawnSync(tool, ["--version"]).error === undefined)
const scratch = mkdtempSync(join(tmpdir(), "hyperx-libvirt-golden-"))
after(() => rmSync(scratch, { recursive: true, force: true }))

const load = (name: string) =>
  Schema.decodeUnknownSync(GoldenCase)(JSON.parse(readFileSync(join(goldenDir, `${name}.spec.json`), "utf8")))

describe("libvirt domain XML golden files", () => {
  it("H3 cover at least the six situations the QEMU argv golden files cover", () => {
    for (const name of ["minimal-kernel-boot", "disk-boot", "multi-disk-cdrom-iso", "vnc-websocket", "user-net"])
      assert.ok(cases.includes(name), `missing golden case ${name}`)
    assert.ok(cases.length >= 6, `${cases.length} cases`)
  })

  for (const name of cases) {
    it(`H3 ${name}`, () => {
      const input = load(name)
      assert.deepEqual(domainXmlProblems(input.spec, input.options), [])
      const actual = domainXml(input.spec, input.options)
      const goldenFile = join(goldenDir, `${name}.xml`)
      if (update) writeFileSync(goldenFile, actual)
      assert.ok(existsSync(goldenFile), `missing ${goldenFile}: run with UPDATE_GOLDEN=1`)
      assert.equal(actual, readFileSync(goldenFile, "utf8"))
    })
  }

  it("H3 every golden domain is valid against libvirt's domain schema", {
    skip: !validator && "virt-xml-validate or xmllint is not installed (libvirt-clients, libxml2-utils)",
  }, () => {
    for (const name of cases) {
      const file = join(scratch, `${name}.xml`)
      writeFileSync(file, domainXml(load(name).spec, load(name).options))
      const result = spawnSync("virt-xml-validate", [file, "domain"], { encoding: "utf8" })
      assert.equal(result.status, 0, `${name}: ${result.stderr}`)
    }
  })

  it("H3 escapes &, <, > and quotes in paths, the command line and ids", () => {
    const xml = domainXml(load("xml-special-chars").spec, load("xml-special-chars").options)
    assert.match(xml, /<kernel>\/srv\/a&amp;b\/&lt;k&gt;\/vmlinuz<\/kernel>/)
    assert.match(xml, /<source file='\/srv\/isos\/Tom &amp; Jerry &lt;1&gt;.iso'\/>/)
    assert.match(xml, /<initrd>\/srv\/a&amp;b\/it's\/initrd.img<\/initrd>/)
    assert.match(xml, /path='\/run\/hx &amp; co\/vm-1\/serial.sock'/)
    assert.match(xml, /hyperx.note="a&amp;b&lt;c&gt;" x='y'<\/cmdline>/)
    // a disk id outside libvirt's alias characters is hex-encoded, never written raw
    assert.match(xml, /<alias name='ua-disk-_642631'\/>/)
    assert.doesNotMatch(xml.replaceAll(/&(amp|lt|gt|apos|quot);/g, ""), /&|<[^a-z/?!]/)
  })
})
