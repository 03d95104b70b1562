/**
 * Bytes arriving in chunks, read in exact amounts: what a client of a binary protocol (RFB) needs. `end` makes
 * every pending and later read fail, with what was received so far in the message.
 */
export class ByteReader {
  private buffered = Buffer.alloc(0)
  private waiting:
    | { readonly count: number; readonly resolve: (bytes: Buffer) => void; readonly reject: (error: Error) => void }
    | undefined
  private ended: Error | undefined

  push(chunk: Buffer): void {
    this.buffered = Buffer.concat([this.buffered, chunk])
    this.settle()
  }

  end(reason: string): void {
    this.ended ??= new Error(`${reason} (after ${this.buffered.length} unread bytes)`)
    this.settle()
  }

  read(count: number): Promise<Buffer> {
    if (this.waiting) return Promise.reject(new Error("one read at a time"))
    return new Promise((resolve, reject) => {
      this.waiting = { count, resolve, reject }
      this.settle()
    })
  }

  private settle(): void {
    const waiting = this.waiting
    if (!waiting) return
    if (this.buffered.length >= waiting.count) {
      this.waiting = undefined
      const bytes = this.buffered.subarray(0, waiting.count)
      this.buffered = this.buffered.subarray(waiting.count)
      waiting.resolve(bytes)
    } else if (this.ended) {
      this.waiting = undefined
      waiting.reject(this.ended)
    }
  }
}
