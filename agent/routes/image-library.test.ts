import assert from "node:assert/strict"
import { execFileSync } from "node:child_process"
import { createHash } from "node:crypto"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, describe, it } from "node:test"
import { storeBackends } from "../../core/store/testing.ts"
import { genisoimageInstalled, makeIso } from "../images/testing.ts"
import { useAgent, type Who } from "../testing/harness.ts"

const skipTools = genisoimageInstalled() ? false : "genisoimage not installed (.ci/run installs it)"

for (const backend of storeBackends) {
  describe(`image library: upload, check, delete (X3, #20) on ${backend.name}`, {
    skip: backend.skip || skipTools,
  }, () => {
    const work = mkdtempSync(join(tmpdir(), "hx-images-test-"))
    const library = join(work, "library")
    after(() => rmSync(work, { recursive: true, force: true }))
    const agent = useAgent(backend, { hostConfig: { imagesDir: library, imageUploadMaxBytes: 4 * 1024 * 1024 } })
    const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex")
    const filesInLibrary = () => (existsSync(library) ? readdirSync(library) : [])

    const upload = async (bytes: Buffer, query: Record<string, string>, as: Who = "superadmin") => {
      const response = await agent.app.request(`/api/v1/images?${new URLSearchParams(query)}`, {
        method: "POST",
        headers: { Authorization: `Bearer ${agent.tokens[as]}`, "Content-Type": "application/octet-stream" },
        body: new Uint8Array(bytes),
      })
      return { status: response.status, body: await response.json() }
    }
    const iso = (() => {
      const path = join(work, "tools.iso")
      makeIso(path, "HXTOOLS", { "hello.txt": "hello from the iso\n" })
      return readFileSync(path)
    })()

    it("X3 a superadmin uploads an ISO with its sha256: recorded as an iso image, file in the library", async () => {
      const reply = await upload(iso, { name: "tools", format: "iso", sha256: sha256(iso) })
      assert.equal(reply.status, 201, JSON.stringify(reply.body))
      assert.equal(reply.body.format, "iso")
      assert.equal(reply.body.sha256, sha256(iso))
      assert.equal(reply.body.sizeBytes, iso.length)
      assert.ok(reply.body.location.startsWith(library))
      assert.deepEqual(readFileSync(reply.body.location), iso)
      const listed = await agent.call("GET", "/api/v1/images")
      assert.ok(listed.body.items.some((image: { id: string }) => image.id === reply.body.id))
    })

    it("X3 refusals leave no file and no record: not a superadmin, wrong checksum, not what is claimed, too large", async () => {
      const before = filesInLibrary().length
      const count = async () => (await agent.call("GET", "/api/v1/images", { as: "superadmin" })).body.items.length
      const images = await count()
      const refused = [
        [await upload(iso, { name: "x", format: "iso" }, "admin"), 403, "superadmin-only"],
        [await upload(iso, { name: "x", format: "iso", sha256: "0".repeat(64) }), 422, "image-checksum"],
        [await upload(Buffer.alloc(65536, 1), { name: "x", format: "iso" }), 422, "image-format"],
        [await upload(iso, { name: "x", format: "qcow2" }), 422, "image-format"],
        [await upload(iso, { name: "x", format: "iso", passwordManaged: "true" }), 422, "image-password-managed"],
      ] as const
      for (const [reply, status, rule] of refused) {
        assert.equal(reply.status, status, JSON.stringify(reply.body))
        assert.equal(reply.body.error.rule, rule)
      }
      const tooLarge = await upload(Buffer.alloc(5 * 1024 * 1024), { name: "big", format: "raw" })
      assert.equal(tooLarge.status, 413)
      const json = await agent.call("POST", "/api/v1/images?name=x&format=iso", { as: "superadmin", body: {} })
      assert.equal(json.status, 415)
      const badQuery = await upload(iso, { name: "x", format: "vmdk" })
      assert.equal(badQuery.status, 400)
      assert.equal(filesInLibrary().length, before)
      assert.equal(await count(), images)
    })

    it("#20 disk images are checked with qemu-img: a qcow2's virtual size sets its minimum disk; backing files refused", async () => {
      const qcow2 = join(work, "disk.qcow2")
      execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", qcow2, "3G"])
      const reply = await upload(readFileSync(qcow2), { name: "disk", format: "qcow2", osName: "Debian 12" })
      assert.equal(reply.status, 201, JSON.stringify(reply.body))
      assert.deepEqual([reply.body.format, reply.body.minDiskGiB, reply.body.osName], ["qcow2", 3, "Debian 12"])
      const asRaw = await upload(readFileSync(qcow2), { name: "disguised", format: "raw" })
      assert.equal(asRaw.body.error.rule, "image-format", "a qcow2 claimed raw is refused")
      const overlay = join(work, "overlay.qcow2")
      execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", "-b", "/etc/hostname", "-F", "raw", overlay])
      const backed = await upload(readFileSync(overlay), { name: "overlay", format: "qcow2" })
      assert.equal(backed.status, 422)
      assert.match(backed.body.error.message, /backing file/)
      const raw = Buffer.alloc(1024 * 1024)
      const rawReply = await upload(raw, { name: "raw", format: "raw" })
      assert.equal(rawReply.status, 201, JSON.stringify(rawReply.body))
      assert.equal(rawReply.body.passwordManaged, false, "an image sets no password unless its uploader says so")
      const managed = await upload(raw, { name: "cloud", format: "raw", passwordManaged: "true" })
      assert.equal(managed.status, 201, JSON.stringify(managed.body))
      assert.equal(managed.body.passwordManaged, true)
    })

    it("X3 an image is deleted only while unused: an attached ISO is refused (image-in-use), a free one goes with its file", async () => {
      const kept = await upload(iso, { name: "kept", format: "iso" })
      const free = await upload(iso, { name: "free", format: "iso" })
      await agent.seedVm({ isoImageId: kept.body.id })
      const inUse = await agent.call("DELETE", `/api/v1/images/${kept.body.id}`, { as: "superadmin" })
      assert.equal(inUse.status, 409)
      assert.equal(inUse.body.error.rule, "image-in-use")
      assert.ok(existsSync(kept.body.location))
      const owner = await agent.call("DELETE", `/api/v1/images/${free.body.id}`, { as: "owner" })
      assert.equal(owner.body.error.rule, "superadmin-only")
      const deleted = await agent.call("DELETE", `/api/v1/images/${free.body.id}`, { as: "superadmin" })
      assert.equal(deleted.status, 200)
      assert.equal(existsSync(free.body.location), false)
      assert.equal((await agent.call("GET", `/api/v1/images/${free.body.id}`)).status, 404)
    })
  })
}
