import { isValidName, isValidPassword } from "./input-checks.ts"
import { defineRule, type Rule } from "./rule.ts"

export { isValidName, isValidPassword }

/** A display name the user types (C1 custom name, R2 rename, R8 clone). Generated names are not checked. */
export const nameFormat = <C>(nameOf: (context: C) => string | undefined): Rule<C> =>
  defineRule<C>({
    name: "name-format",
    features: ["C1", "R2", "R8"],
    kind: "invalid",
    message: {
      en: "A VM name has 2–20 characters: letters, digits, Chinese characters or underscores",
      zh: "虚拟机名称应为2-20个字符，支持英文大小写、数字、中文以及下划线",
    },
    allows: (context) => {
      const name = nameOf(context)
      return name === undefined || isValidName(name)
    },
  })

/** A password given by hand (C3, R8, R11, R13); none given means a random one, which always fits. */
export const passwordFormat = <C>(passwordOf: (context: C) => string | null | undefined): Rule<C> =>
  defineRule<C>({
    name: "password-format",
    features: ["C3", "R8", "R11", "R13"],
    kind: "invalid",
    message: {
      en: "A password has 6–32 characters mixing upper case, lower case and digits; special characters are allowed",
      zh: "密码应为大小写英文和数字混合的6-32位字符，支持特殊字符",
    },
    allows: (context) => {
      const password = passwordOf(context)
      return password === null || password === undefined || isValidPassword(password)
    },
  })

export interface ReclaimDate {
  /** null: "关闭", never reclaimed; undefined: not set. */
  readonly reclaimAt: Date | null | undefined
  readonly now: Date
}

/** R5, C1: a reclaim date lies in the future; reclaiming in the past would act at once, which nobody means. */
export const reclaimDateFuture = <C>(dateOf: (context: C) => ReclaimDate): Rule<C> =>
  defineRule<C>({
    name: "reclaim-date-future",
    features: ["R5", "C1"],
    kind: "invalid",
    message: { en: "The reclaim date must lie in the future", zh: "回收时间必须晚于当前时间" },
    allows: (context) => {
      const { reclaimAt, now } = dateOf(context)
      return reclaimAt === null || reclaimAt === undefined || reclaimAt.getTime() > now.getTime()
    },
  })

export interface SocketChoice {
  /** "auto" (C4) or a number of sockets; undefined means auto. */
  readonly sockets: number | "auto" | undefined
  readonly cpus: number
}

/** C4, K4: sockets chosen by hand divide the CPU count, so every socket gets the same number of cores. */
export const socketsDivideCpus = <C>(choiceOf: (context: C) => SocketChoice): Rule<C> =>
  defineRule<C>({
    name: "sockets-divide-cpus",
    features: ["C4", "K4"],
    kind: "invalid",
    message: (context) => {
      const { sockets, cpus } = choiceOf(context)
      return {
        en: `${String(sockets)} sockets do not divide ${cpus} CPUs evenly`,
        zh: `插槽数 ${String(sockets)} 不能整除 CPU 数量 ${cpus}`,
      }
    },
    allows: (context) => {
      const { sockets, cpus } = choiceOf(context)
      return (
        sockets === undefined ||
        sockets === "auto" ||
        (Number.isInteger(sockets) && sockets >= 1 && cpus % sockets === 0)
      )
    },
  })
