import assert from "node:assert/strict"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, describe, it } from "node:test"
import { clusterSealingKey } from "../../core/auth/sealing-keys.ts"
import { StartError } from "../start/start-error.ts"
import { previousClusterKeyOf } from "./secret.ts"

describe("the old cluster secret while rotating it (#16)", () => {
  const folder = mkdtempSync(join(tmpdir(), "hx-secret-"))
  after(() => rmSync(folder, { recursive: true, force: true }))
  const file = (name: string, text: string, mode: number) => {
    const path = join(folder, name)
    writeFileSync(path, text, { mode })
    return path
  }

  it("#16 gives the old secret's sealing key; only beside a new secret, and only from an owner-only file", () => {
    const old = file("old", `${"o".repeat(40)}\n`, 0o600)
    const current = file("new", "n".repeat(40), 0o600)
    const key = previousClusterKeyOf({ clusterSecretFile: current, previousClusterSecretFile: old })
    assert.equal(key?.id, clusterSealingKey(Buffer.from("o".repeat(40))).id)
    assert.equal(previousClusterKeyOf({ clusterSecretFile: current, previousClusterSecretFile: undefined }), undefined)
    assert.throws(
      () => previousClusterKeyOf({ clusterSecretFile: undefined, previousClusterSecretFile: old }),
      (error) => error instanceof StartError && /needs --cluster-secret-file/.test(error.message),
    )
    const open = file("open", "o".repeat(40), 0o644)
    assert.throws(
      () => previousClusterKeyOf({ clusterSecretFile: current, previousClusterSecretFile: open }),
      /chmod 600/,
    )
  })
})
