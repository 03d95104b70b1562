/**
 * #21: counts in English through `Intl.PluralRules` instead of hand-made "IP(s)": `count(n, "VM", "VMs")` is "1 VM",
 * "2 VMs". Chinese has one form (its messages write the number and the measure word), so only en.ts uses this.
 */
const english = new Intl.PluralRules("en")

/** The word for `n` things: `one` or `other` as the language's plural rules pick. */
export const noun = (n: number, one: string, other: string): string => (english.select(n) === "one" ? one : other)

/** `n` and the word for n things: "1 VM", "2 VMs". */
export const count = (n: number, one: string, other: string): string => `${n} ${noun(n, one, other)}`
