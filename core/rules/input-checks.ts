// The pure checks behind the input rules, free of Effect so that the browser widgets can import them too
// and show the same verdict inline as the user types (the API still decides).

/** C1: 2–20 characters of letters, digits, Chinese and underscore (counted as characters, not bytes). */
export const isValidName = (name: string): boolean => /^[\p{Script=Han}A-Za-z0-9_]{2,20}$/u.test(name)

/**
 * R11: 6–32 characters mixing upper case, lower case and digits; special characters allowed. Printable ASCII
 * only: a password must be typeable on any console keyboard, and spaces are lost by too many tools.
 */
export const isValidPassword = (password: string): boolean =>
  /^[\x21-\x7e]{6,32}$/.test(password) && /[a-z]/.test(password) && /[A-Z]/.test(password) && /[0-9]/.test(password)
