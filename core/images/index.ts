export * from "./library.ts"
