import { execFileSync } from "node:child_process"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"

/** Whether genisoimage is installed (.ci/run installs it). */
export const genisoimageInstalled = () => {
  try {
    execFileSync("genisoimage", ["-version"], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
}

/** An ISO 9660 volume (Rock Ridge and Joliet) with these files, labelled `label`, written to `path`. */
export const makeIso = (path: string, label: string, files: Readonly<Record<string, string>>) => {
  const content = mkdtempSync(`${path}.content-`)
  try {
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(content, name, ".."), { recursive: true })
      writeFileSync(join(content, name), text)
    }
    execFileSync("genisoimage", ["-quiet", "-V", label, "-r", "-J", "-o", path, content], { stdio: "ignore" })
  } finally {
    rmSync(content, { recursive: true, force: true })
  }
}
