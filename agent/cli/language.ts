import type { Env } from "../start/config.ts"

/** A POSIX locale (`zh_CN.UTF-8`, `en_US@euro`) as a language tag (`zh-CN`); none for `C`, `POSIX` or nothing. */
const tagOfLocale = (locale: string | undefined): string | undefined => {
  const language = locale?.split(/[.@]/)[0]?.trim()
  if (language === undefined || language === "" || language === "C" || language === "POSIX") return undefined
  return language.replaceAll("_", "-")
}

const nonEmpty = (value: string | undefined) => (value === undefined || value.trim() === "" ? undefined : value)

/**
 * The language the API verbs ask the agent's messages in (its `Accept-Language`): --lang, else HYPERX_LANG, else the
 * locale as POSIX reads it (LC_ALL, then LC_MESSAGES, then LANG), so an operator whose shell speaks Chinese reads the
 * agent's refusals in Chinese, as the API's other clients do. None: the agent's default, English.
 */
export const cliLanguage = (flag: string | undefined, env: Env): string | undefined =>
  nonEmpty(flag)?.replaceAll("_", "-") ??
  nonEmpty(env.HYPERX_LANG)?.replaceAll("_", "-") ??
  tagOfLocale(nonEmpty(env.LC_ALL) ?? nonEmpty(env.LC_MESSAGES) ?? nonEmpty(env.LANG))
