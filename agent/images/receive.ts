import { createHash } from "node:crypto"
import { createWriteStream } from "node:fs"
import { mkdir, rm } from "node:fs/promises"
import { dirname } from "node:path"
import { Readable, Transform } from "node:stream"
import { pipeline } from "node:stream/promises"
import type { ReadableStream } from "node:stream/web"

/** The upload went past the limit; what was written is gone. */
export class UploadTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`the upload is larger than ${maxBytes} bytes`)
  }
}

export interface Received {
  readonly sizeBytes: number
  /** Hex sha256 of the bytes as they arrived. */
  readonly sha256: string
}

/**
 * Streams a request body into a new file (never over an existing one), hashing it on the way and stopping at
 * `maxBytes`: memory stays at one chunk whatever the size. On any failure the partial file is removed.
 */
export const receiveUpload = async (body: ReadableStream<Uint8Array>, path: string, maxBytes: number) => {
  const hash = createHash("sha256")
  let sizeBytes = 0
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      sizeBytes += chunk.length
      if (sizeBytes > maxBytes) return done(new UploadTooLarge(maxBytes))
      hash.update(chunk)
      done(null, chunk)
    },
  })
  await mkdir(dirname(path), { recursive: true })
  try {
    await pipeline(Readable.fromWeb(body), meter, createWriteStream(path, { flags: "wx", mode: 0o644 }))
  } catch (error) {
    await rm(path, { force: true })
    throw error
  }
  const received: Received = { sizeBytes, sha256: hash.digest("hex") }
  return received
}
