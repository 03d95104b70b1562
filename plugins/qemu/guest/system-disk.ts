import { mkdir, rm, utimes, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { Effect } from "effect"
import { GuestBuildError } from "./errors.ts"
import { runCommand } from "./exec.ts"
import { SYSTEM_DISK_LABEL } from "./recipe.ts"

const FIXED_TIME = 1_704_067_200

/** "0123456789abcdef…" → "01234567-89ab-cdef-…": a filesystem UUID taken from the build key. */
const uuidFrom = (hex: string) =>
  `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`

const files = (version: string) =>
  [
    ["hyperx-system", `${version}\n`],
    ["README", readme],
  ] as const

const readme = `This is the system disk of the hyperx test guest. The guest finds it by its label (${SYSTEM_DISK_LABEL}),
mounts it on /system and counts its boots in /system/boots. Its root and kernel live in the initramfs.
`

/**
 * Makes the system disk: an ext4 filesystem labelled SYSTEM_DISK_LABEL in a qcow2 image, identical bytes for
 * identical inputs (fixed UUID, hash seed and timestamps). It is a base image: give each VM an overlay.
 */
export const writeSystemDisk = Effect.fn("writeSystemDisk")(function* (
  workDir: string,
  target: string,
  sizeMiB: number,
  key: string,
  version: string,
) {
  const staging = join(workDir, "system-root")
  const raw = join(workDir, "system.raw")
  yield* Effect.tryPromise({
    try: async () => {
      await mkdir(staging, { recursive: true })
      for (const [name, text] of files(version)) {
        await writeFile(join(staging, name), text)
        await utimes(join(staging, name), FIXED_TIME, FIXED_TIME)
      }
      await utimes(staging, FIXED_TIME, FIXED_TIME)
    },
    catch: (cause) => new GuestBuildError({ step: "system-disk", message: String(cause) }),
  })
  const uuid = uuidFrom(key)
  yield* runCommand(
    "system-disk",
    "mkfs.ext4",
    [
      "-q",
      "-F",
      "-L",
      SYSTEM_DISK_LABEL,
      "-U",
      uuid,
      "-E",
      `hash_seed=${uuid},root_owner=0:0`,
      "-d",
      staging,
      raw,
      `${sizeMiB}M`,
    ],
    { env: { E2FSPROGS_FAKE_TIME: String(FIXED_TIME) } },
  )
  // mkfs -d copies each file's ctime, which no one can set on the host: pin it inside the image instead
  const pinTimes = files(version).map(([name]) => `set_inode_field /${name} ctime @${FIXED_TIME}\n`)
  yield* Effect.tryPromise({
    try: () => writeFile(join(workDir, "debugfs.cmds"), pinTimes.join("")),
    catch: (cause) => new GuestBuildError({ step: "system-disk", message: String(cause) }),
  })
  yield* runCommand("system-disk", "debugfs", ["-w", "-f", join(workDir, "debugfs.cmds"), raw])
  yield* runCommand("system-disk", "qemu-img", ["convert", "-q", "-f", "raw", "-O", "qcow2", raw, target])
  yield* Effect.promise(() =>
    Promise.all(
      [staging, raw, join(workDir, "debugfs.cmds")].map((path) => rm(path, { recursive: true, force: true })),
    ),
  )
})
