import assert from "node:assert/strict"
import { execFileSync } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, it } from "node:test"
import { generateKeyPair, parsePublicKey } from "./ssh-key.ts"

const hasSshKeygen = (() => {
  try {
    execFileSync("ssh-keygen", ["-?"], { stdio: "ignore" })
    return true
  } catch (error) {
    return (error as { status?: number }).status !== undefined
  }
})()

describe("SSH keys (R13, X5)", () => {
  it("a generated pair: ssh-keygen derives the same public key and fingerprint from the private key", {
    skip: !hasSshKeygen,
  }, async () => {
    const made = await generateKeyPair()
    const dir = mkdtempSync(join(tmpdir(), "hx-key-"))
    try {
      const file = join(dir, "id")
      writeFileSync(file, made.privateKey, { mode: 0o600 })
      const derived = execFileSync("ssh-keygen", ["-y", "-f", file]).toString().trim()
      assert.equal(derived.split(" ").slice(0, 2).join(" "), made.publicKey)
      writeFileSync(`${file}.pub`, `${made.publicKey} test\n`)
      const fingerprint = execFileSync("ssh-keygen", ["-l", "-E", "sha256", "-f", `${file}.pub`]).toString()
      assert.equal(fingerprint.split(" ")[1], made.fingerprint)
      assert.deepEqual(parsePublicKey(`${made.publicKey} someone@host`), {
        publicKey: made.publicKey,
        fingerprint: made.fingerprint,
      })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("an imported line is refused unless it is an OpenSSH public key whose blob names its own type", async () => {
    const made = await generateKeyPair()
    const [, data = ""] = made.publicKey.split(" ")
    assert.equal(parsePublicKey("not a key"), undefined)
    assert.equal(parsePublicKey(`ssh-ed25519 ${data}`), undefined, "the blob says ssh-rsa")
    assert.equal(parsePublicKey("ssh-rsa !!!"), undefined)
    assert.equal(parsePublicKey("ssh-dss AAAAB3NzaC1kc3M="), undefined)
    assert.ok(parsePublicKey(` ${made.publicKey}  comment with spaces `))
  })
})
