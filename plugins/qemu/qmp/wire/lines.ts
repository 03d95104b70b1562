import { StringDecoder } from "node:string_decoder"

/**
 * Splits a byte stream into newline-terminated lines. A line may arrive in several chunks and one chunk may hold
 * several lines; a multi-byte character cut between chunks is kept whole.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder("utf8")
  private partial = ""

  push(chunk: Buffer | string): Array<string> {
    this.partial += typeof chunk === "string" ? chunk : this.decoder.write(chunk)
    const pieces = this.partial.split("\n")
    this.partial = pieces.pop() ?? ""
    return pieces.map((line) => line.trim()).filter((line) => line.length > 0)
  }
}

/** Parses one line of JSON; undefined when it is not JSON (stale bytes left in a guest-agent channel, noise). */
export const parseJsonLine = (line: string): unknown => {
  try {
    return JSON.parse(line)
  } catch {
    return undefined
  }
}
