/**
 * What every command-line entry of package.json does with its arguments: `--help` (or `-h`) anywhere prints the
 * usage on stdout and exits 0 before anything else happens; an option it does not know prints the usage on stderr
 * and exits 2, rather than being ignored.
 */

/** True when `argv` asks for the usage. */
export const wantsHelp = (argv: readonly string[]): boolean => argv.includes('--help') || argv.includes('-h');

/** The arguments of `argv` that start with `-` and whose name (before any `=`) is not in `known`. */
export function unknownOptions(argv: readonly string[], known: readonly string[]): string[] {
  return argv.filter((argument) => argument.startsWith('-') && !known.includes(argument.split('=')[0]));
}

/**
 * Handles `--help` and unknown options for a script: the exit code to stop with (after printing the usage), or
 * undefined when the script should go on.
 *
 * @example
 * ```ts
 * declare const USAGE: string;
 * const exit = usageExit(process.argv.slice(2), USAGE, ['--check']);
 * if (exit !== undefined) return exit;
 * ```
 */
export function usageExit(argv: readonly string[], usage: string, known: readonly string[]): number | undefined {
  if (wantsHelp(argv)) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const unknown = unknownOptions(argv, known);
  if (unknown.length === 0) return undefined;
  process.stderr.write(`unknown option ${unknown.join(', ')}\n\n${usage}\n`);
  return 2;
}
