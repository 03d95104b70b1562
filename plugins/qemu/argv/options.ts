/** QEMU's key=value option syntax: a comma inside a value is written twice. */
export const escapeValue = (value: string) => value.replaceAll(",", ",,")

type Value = string | number | boolean | undefined

/** "driver,key=value,…" with booleans as on/off; undefined values are left out. */
export const keyValues = (head: string | undefined, entries: ReadonlyArray<readonly [string, Value]>) => {
  const parts = entries
    .filter((entry): entry is readonly [string, string | number | boolean] => entry[1] !== undefined)
    .map(([key, value]) => `${key}=${typeof value === "boolean" ? (value ? "on" : "off") : escapeValue(String(value))}`)
  return (head === undefined ? parts : [escapeValue(head), ...parts]).join(",")
}

/** One option with its value, or a bare flag; the builders return lists of these. */
export type QemuOption = readonly [flag: string] | readonly [flag: string, value: string]

export const flatten = (options: ReadonlyArray<QemuOption>): ReadonlyArray<string> => options.flat()
