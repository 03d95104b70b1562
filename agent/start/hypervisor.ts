import { execFileSync } from "node:child_process"
import { accessSync, constants } from "node:fs"
import { delimiter, join } from "node:path"

/** A program the agent needs on this host, and the Debian package that brings it. */
interface Requirement {
  readonly program: string
  readonly packageName: string
  readonly why: string
}

/** QEMU runs the VMs; the rest builds the tiny guest image on the first start (plugins/qemu/guest). */
const requirements: ReadonlyArray<Requirement> = [
  { program: "qemu-system-x86_64", packageName: "qemu-system-x86", why: "runs the VMs" },
  { program: "qemu-img", packageName: "qemu-utils", why: "makes their disks" },
  { program: "busybox", packageName: "busybox-static", why: "the tiny guest's userland" },
  { program: "mkfs.ext4", packageName: "e2fsprogs", why: "the tiny guest's system disk" },
  { program: "dropbear", packageName: "dropbear-bin", why: "libraries of the tiny guest's SSH server" },
]

const searchPath = (env: NodeJS.ProcessEnv) => [
  ...(env.PATH ?? "").split(delimiter).filter((dir) => dir !== ""),
  "/usr/sbin",
  "/sbin",
]

/** The full path of a program on PATH (or in the sbin folders), if it is there and executable. */
export const findProgram = (program: string, env: NodeJS.ProcessEnv = process.env): string | undefined => {
  for (const dir of searchPath(env)) {
    const candidate = join(dir, program)
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // not in this folder
    }
  }
  return undefined
}

/** What is missing to run real VMs, with the one command that installs it; undefined when nothing is. */
export const missingForQemu = (env: NodeJS.ProcessEnv = process.env): string | undefined => {
  const missing = requirements.filter((requirement) => findProgram(requirement.program, env) === undefined)
  if (missing.length === 0) return undefined
  const packages = [...new Set(missing.map((requirement) => requirement.packageName))]
  return [
    "QEMU and the tools that build the tiny guest are not all installed on this host. Missing:",
    ...missing.map(
      (requirement) => `  ${requirement.program} (package ${requirement.packageName}): ${requirement.why}`,
    ),
    "Install them with:",
    `  sudo apt-get install -y ${packages.join(" ")}`,
    "then start again. To try the API without real VMs: npm start -- --driver fake",
  ].join("\n")
}

/** "QEMU emulator version 7.2.x …" → "7.2.x". */
export const qemuVersion = (binary = "qemu-system-x86_64"): string => {
  try {
    const first = execFileSync(binary, ["--version"], { encoding: "utf8", timeout: 10_000 }).split("\n")[0] ?? ""
    return first.match(/version\s+(\S+)/)?.[1] ?? first.trim()
  } catch {
    return "unknown version"
  }
}
