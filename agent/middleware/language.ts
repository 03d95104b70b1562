import { createMiddleware } from "hono/factory"
import type { Lang } from "../../core/index.ts"
import type { AgentEnv } from "../env.ts"

/** zh, zh-CN, zh-Hans, zh-TW … → zh; en, en-US … → en; anything else → undefined. */
export const langOfTag = (tag: string): Lang | undefined => {
  const primary = tag.trim().toLowerCase().split(/[-_]/)[0]
  return primary === "zh" || primary === "en" ? primary : undefined
}

/** The best supported language of an Accept-Language header, by its q-values; English when none is supported. */
export const langOfAcceptLanguage = (header: string | undefined): Lang => {
  if (header === undefined) return "en"
  const ranked = header
    .split(",")
    .slice(0, 20)
    .map((part, index) => {
      const [tag = "", ...params] = part.split(";")
      const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="))
      const weight = q === undefined ? 1 : Number(q.slice(2))
      return { lang: langOfTag(tag), weight: Number.isFinite(weight) ? weight : 0, index }
    })
    .filter((entry) => entry.lang !== undefined && entry.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.index - b.index)
  return ranked[0]?.lang ?? "en"
}

/** The caller's language for messages and exports: `?lang=zh|en` wins over Accept-Language. */
export const language = () =>
  createMiddleware<AgentEnv>(async (c, next) => {
    const query = c.req.query("lang")
    c.set(
      "lang",
      (query === undefined ? undefined : langOfTag(query)) ?? langOfAcceptLanguage(c.req.header("Accept-Language")),
    )
    await next()
  })
