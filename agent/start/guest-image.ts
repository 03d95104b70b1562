import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs"
import { join } from "node:path"
import { Effect } from "effect"
import { buildGuest } from "../../plugins/qemu/guest/build.ts"
import { GuestBuildError } from "../../plugins/qemu/guest/errors.ts"

/** The tiny guest as this host keeps it: files in the data folder, so clearing the build cache breaks no VM. */
export interface GuestImageFiles {
  readonly version: string
  readonly kernel: string
  readonly initrd: string
  readonly systemDisk: string
  readonly cmdline: string
  readonly kernelRelease: string
  readonly sizeBytes: number
}

/** Whether an image's files are all on this host (a data folder copied without them, or a cleaned one). */
export const guestFilesExist = (paths: ReadonlyArray<string>) => paths.every((path) => existsSync(path))

/**
 * Builds the tiny guest (or finds it in the build cache) and copies it into `<imagesDir>/tiny-linux-<version>`.
 * VMs boot from overlays over its system disk, which therefore never changes; a new build gets a new folder.
 */
export const installGuestImage = (imagesDir: string, onProgress: (line: string) => void) =>
  Effect.gen(function* () {
    const manifest = yield* buildGuest({ onProgress })
    const dir = join(imagesDir, `tiny-linux-${manifest.version}`)
    const files = {
      kernel: join(dir, "vmlinuz"),
      initrd: join(dir, "initrd.img"),
      systemDisk: join(dir, "system.qcow2"),
    }
    if (!guestFilesExist(Object.values(files))) {
      yield* Effect.try({
        try: () => {
          const work = `${dir}.partial`
          rmSync(work, { recursive: true, force: true })
          mkdirSync(work, { recursive: true })
          copyFileSync(manifest.kernel, join(work, "vmlinuz"))
          copyFileSync(manifest.initrd, join(work, "initrd.img"))
          copyFileSync(manifest.systemDisk, join(work, "system.qcow2"))
          rmSync(dir, { recursive: true, force: true })
          renameSync(work, dir)
        },
        catch: (cause) => new GuestBuildError({ step: "install", message: String(cause) }),
      })
      onProgress(`guest: installed ${manifest.version} in ${dir}`)
    }
    const sizeBytes = Object.values(files).reduce((sum, path) => sum + statSync(path).size, 0)
    const installed: GuestImageFiles = {
      version: manifest.version,
      ...files,
      cmdline: manifest.cmdline,
      kernelRelease: manifest.kernelRelease,
      sizeBytes,
    }
    return installed
  })

/** The image record the fake driver boots "VMs" from: it never reads the files, so none are built. */
export const fakeGuestImage = (imagesDir: string): GuestImageFiles => {
  const dir = join(imagesDir, "tiny-linux-fake")
  return {
    version: "fake",
    kernel: join(dir, "vmlinuz"),
    initrd: join(dir, "initrd.img"),
    systemDisk: join(dir, "system.qcow2"),
    cmdline: "console=ttyS0",
    kernelRelease: "none",
    sizeBytes: 0,
  }
}
