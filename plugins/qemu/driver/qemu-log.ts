import { readFileSync } from "node:fs"
import { dirname, join } from "node:path"

/** QEMU's own output (stderr: assertions, `qemu-system-x86_64: …` errors) goes to `qemu.log` in the run folder. */
export const qemuLogOf = (runDir: string) => join(runDir, "qemu.log")

/** The run folder of a session's paths (every runtime path lives directly in it). */
export const runDirOf = (pidfile: string) => dirname(pidfile)

/** The last lines of QEMU's log on one line, or undefined when there is none (or it is empty). */
export const qemuLogTail = (path: string, lines = 5): string | undefined => {
  let text: string
  try {
    text = readFileSync(path, "utf8").trim()
  } catch {
    return undefined
  }
  return text === "" ? undefined : text.split("\n").slice(-lines).join(" | ")
}
