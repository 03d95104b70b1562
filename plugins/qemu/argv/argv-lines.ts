import type { QemuOption } from "./options.ts"

/** One option per line, its value after the first space: the golden files' format, easy to diff. */
export const formatOptions = (options: ReadonlyArray<QemuOption>) =>
  `${options.map((option) => option.join(" ")).join("\n")}\n`

/** Back to an argv: the value is everything after the first space of a line (values may contain spaces). */
export const parseArgvLines = (text: string): ReadonlyArray<string> =>
  text
    .split("\n")
    .filter((line) => line.length > 0)
    .flatMap((line) => {
      const space = line.indexOf(" ")
      return space < 0 ? [line] : [line.slice(0, space), line.slice(space + 1)]
    })
