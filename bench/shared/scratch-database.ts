import { randomUUID } from "node:crypto"
import { Effect } from "effect"
import { adminQuery } from "../../core/store/testing.ts"

const admin = (adminUrl: string, statement: string) => Effect.runPromise(adminQuery(adminUrl, statement))

/** Runs `use` with the URL of a new, empty database on the server `adminUrl` names, and drops it afterwards. */
export const withScratchDatabase = async <A>(adminUrl: string, use: (url: string) => Promise<A>): Promise<A> => {
  const name = `hx_bench_${randomUUID().replaceAll("-", "").slice(0, 16)}`
  await admin(adminUrl, `create database ${name}`)
  try {
    const url = new URL(adminUrl)
    url.pathname = `/${name}`
    return await use(url.toString())
  } finally {
    await admin(adminUrl, `drop database if exists ${name} with (force)`)
  }
}
