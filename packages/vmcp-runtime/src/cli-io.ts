/** Where the CLI writes its lines (tests capture them). */
export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}
