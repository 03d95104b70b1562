// Types of scripts/build.mjs (plain JavaScript so that it runs before anything is built) for the tests that import it.
/** The agent's entry points (package.json "bin" and "exports"), output name → source file. */
export declare const nodeEntries: Readonly<Record<string, string>>
export declare const build: (options?: { readonly types?: boolean; readonly outdir?: string }) => Promise<number>
