/** One key to press for a character: its X keysym, the physical key (for QEMU's scancode events), and Shift. */
export interface Keystroke {
  readonly keysym: number
  readonly code: string | null
  readonly shift: boolean
}

export const shiftKey = { keysym: 0xffe1, code: "ShiftLeft" } as const

/** US layout: the unshifted and shifted character of each punctuation key. */
const punctuation: ReadonlyArray<readonly [string, string, string]> = [
  ["Minus", "-", "_"],
  ["Equal", "=", "+"],
  ["BracketLeft", "[", "{"],
  ["BracketRight", "]", "}"],
  ["Backslash", "\\", "|"],
  ["Semicolon", ";", ":"],
  ["Quote", "'", '"'],
  ["Backquote", "`", "~"],
  ["Comma", ",", "<"],
  ["Period", ".", ">"],
  ["Slash", "/", "?"],
]
const shiftedDigits = ")!@#$%^&*("

/**
 * The keystrokes that type `char` on a US keyboard. The physical key matters because QEMU maps keys by scancode;
 * characters without a US key go as bare keysyms (Unicode keysyms above Latin-1), which VNC servers may ignore.
 */
export const keystrokeOf = (char: string): Keystroke => {
  const point = char.codePointAt(0) ?? 0
  if (char === "\n" || char === "\r") return { keysym: 0xff0d, code: "Enter", shift: false }
  if (char === "\t") return { keysym: 0xff09, code: "Tab", shift: false }
  if (char === " ") return { keysym: 0x20, code: "Space", shift: false }
  if (/^[a-z]$/.test(char)) return { keysym: point, code: `Key${char.toUpperCase()}`, shift: false }
  if (/^[A-Z]$/.test(char)) return { keysym: point, code: `Key${char}`, shift: true }
  if (/^[0-9]$/.test(char)) return { keysym: point, code: `Digit${char}`, shift: false }
  const digit = shiftedDigits.indexOf(char)
  if (digit !== -1) return { keysym: point, code: `Digit${digit}`, shift: true }
  for (const [code, plain, shifted] of punctuation) {
    if (char === plain) return { keysym: point, code, shift: false }
    if (char === shifted) return { keysym: point, code, shift: true }
  }
  return { keysym: point < 0x100 ? point : 0x01000000 | point, code: null, shift: false }
}

export interface KeySender {
  sendKey(keysym: number, code: string | null, down?: boolean): void
}

/** Type text into the VM as key presses ("paste as keystrokes"); \r\n counts as one Enter. */
export const typeText = (sender: KeySender, text: string): number => {
  let typed = 0
  for (const char of text.replace(/\r\n/g, "\n")) {
    const stroke = keystrokeOf(char)
    if (stroke.shift) sender.sendKey(shiftKey.keysym, shiftKey.code, true)
    sender.sendKey(stroke.keysym, stroke.code, true)
    sender.sendKey(stroke.keysym, stroke.code, false)
    if (stroke.shift) sender.sendKey(shiftKey.keysym, shiftKey.code, false)
    typed += 1
  }
  return typed
}
