import type { Socket } from "node:net"
import { Duplex } from "node:stream"

/** What a new viewer is shown of the serial port's recent output, as a terminal's scrollback would. */
const scrollbackBytes = 64 * 1024
/** A viewer this far behind is dropped rather than let the others wait or the agent's memory grow. */
const viewerBacklogBytes = 4 * 1024 * 1024

interface Shared {
  readonly key: string
  readonly upstream: Socket
  /** The promise this port is registered under, so that a port replaced meanwhile is not removed. */
  settled?: Promise<Shared>
  readonly viewers: Set<Duplex>
  scrollback: Buffer
}

/**
 * A serial port serves one client at a time (QEMU's socket chardev accepts the next only when the first leaves), so
 * a second console window would show nothing. The hub holds one connection per serial port and fans it out: every
 * viewer sees the port's output, starting with the recent scrollback, and every viewer's keystrokes reach the port,
 * as on a shared terminal. The connection closes with its last viewer.
 */
export class SerialHub {
  readonly #ports = new Map<string, Promise<Shared>>()

  /** A viewer of the port named `key`, connecting to it with `connect` when nobody views it yet. */
  async join(key: string, connect: () => Promise<Socket>): Promise<Duplex> {
    let port = this.#ports.get(key)
    if (port === undefined) {
      const connecting: Promise<Shared> = connect().then((upstream) => {
        const shared = this.#share(key, upstream)
        shared.settled = connecting
        return shared
      })
      port = connecting
      this.#ports.set(key, port)
      // A port that could not be reached is forgotten, so that the next window tries again.
      port.catch(() => {
        if (this.#ports.get(key) === connecting) this.#ports.delete(key)
      })
    }
    const shared = await port
    const viewer = this.#viewer(shared)
    if (shared.scrollback.length > 0) viewer.push(shared.scrollback)
    shared.viewers.add(viewer)
    return viewer
  }

  #share(key: string, upstream: Socket): Shared {
    const shared: Shared = { key, upstream, viewers: new Set(), scrollback: Buffer.alloc(0) }
    upstream.on("data", (chunk: Buffer) => {
      const joined = Buffer.concat([shared.scrollback, chunk])
      shared.scrollback = joined.length > scrollbackBytes ? joined.subarray(joined.length - scrollbackBytes) : joined
      for (const viewer of shared.viewers) {
        if (viewer.readableLength > viewerBacklogBytes) viewer.destroy()
        else viewer.push(chunk)
      }
    })
    const end = () => {
      if (this.#ports.get(key) === shared.settled) this.#ports.delete(key)
      for (const viewer of shared.viewers) viewer.push(null)
      shared.viewers.clear()
    }
    upstream.once("close", end)
    upstream.on("error", () => upstream.destroy())
    upstream.resume()
    return shared
  }

  #viewer(shared: Shared): Duplex {
    const viewer: Duplex = new Duplex({
      read: () => {},
      write: (chunk: Buffer, _encoding, done) => {
        if (shared.upstream.destroyed) done()
        else shared.upstream.write(chunk, () => done())
      },
      destroy: (error, done) => {
        shared.viewers.delete(viewer)
        if (shared.viewers.size === 0 && this.#ports.get(shared.key) === shared.settled) {
          this.#ports.delete(shared.key)
          shared.upstream.destroy()
        }
        done(error)
      },
    })
    return viewer
  }
}
