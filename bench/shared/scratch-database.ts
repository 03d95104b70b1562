import { randomUUID } from "node:crypto"
import pg from "pg"

/** Runs `use` with the URL of a new, empty database on the server `adminUrl` names, and drops it afterwards. */
export const withScratchDatabase = async <A>(adminUrl: string, use: (url: string) => Promise<A>): Promise<A> => {
  const name = `hx_bench_${randomUUID().replaceAll("-", "").slice(0, 16)}`
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: adminUrl })
    await client.connect()
    try {
      await client.query(statement)
    } finally {
      await client.end()
    }
  }
  await admin(`create database ${name}`)
  try {
    const url = new URL(adminUrl)
    url.pathname = `/${name}`
    return await use(url.toString())
  } finally {
    await admin(`drop database if exists ${name} with (force)`)
  }
}
