import { execFile } from "node:child_process"
import { open } from "node:fs/promises"
import { promisify } from "node:util"
import { Schema } from "effect"
import type { ImageFormat } from "../../core/index.ts"

const run = promisify(execFile)

/** ISO 9660: the first volume descriptor sits at sector 16 (byte 32768) and is tagged "CD001" after its type byte. */
const ISO_TAG_OFFSET = 32769
const QCOW2_MAGIC = Buffer.from([0x51, 0x46, 0x49, 0xfb])

const readAt = async (path: string, offset: number, length: number) => {
  const file = await open(path, "r")
  try {
    const buffer = Buffer.alloc(length)
    const { bytesRead } = await file.read(buffer, 0, length, offset)
    return buffer.subarray(0, bytesRead)
  } finally {
    await file.close()
  }
}

const QemuImgInfo = Schema.fromJsonString(
  Schema.Struct({
    format: Schema.String,
    "virtual-size": Schema.Number,
    "backing-filename": Schema.optionalKey(Schema.String),
  }),
)

export interface Inspection {
  readonly detectedFormat: ImageFormat | null
  readonly virtualSizeBytes: number | null
  /** Why the file cannot be used as the format it is (qemu-img's refusal, a backing file), or null. */
  readonly problem: string | null
}

/**
 * What a received file is: an ISO by its volume descriptor, a qcow2 by its magic, else raw; a disk image is then read
 * with `qemu-img info` in that format. A qcow2 with a backing file is refused: it would let an upload read any file
 * of the host through the VM.
 */
export const inspectImage = async (path: string): Promise<Inspection> => {
  if ((await readAt(path, ISO_TAG_OFFSET, 5)).toString("latin1") === "CD001") {
    return { detectedFormat: "iso", virtualSizeBytes: null, problem: null }
  }
  const format = (await readAt(path, 0, 4)).equals(QCOW2_MAGIC) ? "qcow2" : "raw"
  try {
    const { stdout } = await run("qemu-img", ["info", "--output=json", "-f", format, path], { timeout: 30_000 })
    const info = Schema.decodeUnknownSync(QemuImgInfo)(stdout)
    const backing = info["backing-filename"]
    return {
      detectedFormat: format,
      virtualSizeBytes: info["virtual-size"],
      problem: backing === undefined ? null : `it has a backing file (${backing})`,
    }
  } catch (error) {
    const message = error instanceof Error ? error.message.split("\n").slice(-2).join(" ").trim() : String(error)
    return { detectedFormat: format, virtualSizeBytes: null, problem: `qemu-img info failed: ${message}` }
  }
}
