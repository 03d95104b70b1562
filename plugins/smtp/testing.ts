import type { AddressInfo } from "node:net"
import { type ParsedMail, simpleParser } from "mailparser"
import { SMTPServer } from "smtp-server"

export interface Received {
  readonly from: string
  readonly to: ReadonlyArray<string>
  readonly mail: ParsedMail
}

export interface TestRelay {
  /** nodemailer's URL for this relay (no TLS, no auth). */
  readonly url: string
  readonly received: ReadonlyArray<Received>
  /** Resolves once `count` messages have arrived in all (or rejects after `ms`). */
  readonly waitFor: (count: number, ms?: number) => Promise<ReadonlyArray<Received>>
  readonly close: () => Promise<void>
}

/** A real SMTP server on 127.0.0.1 (smtp-server), keeping every message it accepts, parsed (mailparser). */
export const startTestRelay = async (): Promise<TestRelay> => {
  const received: Array<Received> = []
  const waiters = new Set<() => void>()
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, session, callback) {
      // The envelope is reset once this callback has been called: read it first.
      const from = session.envelope.mailFrom === false ? "" : session.envelope.mailFrom.address
      const to = session.envelope.rcptTo.map((r) => r.address)
      simpleParser(stream)
        .then((mail) => {
          received.push({ from, to, mail })
          for (const wake of waiters) wake()
          callback()
        })
        .catch(callback)
    },
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.server.address() as AddressInfo
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    waitFor: (count, ms = 10_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (received.length < count) return
          waiters.delete(check)
          clearTimeout(timer)
          resolve(received)
        }
        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(new Error(`expected ${count} messages, ${received.length} arrived`))
        }, ms)
        waiters.add(check)
        check()
      }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
