// The few parts of better-sqlite3 (12.x) the reference bank uses, written from its API
// documentation (docs/api.md); the package ships no typings and @types is not a dependency.
declare module 'better-sqlite3' {
  namespace Database {
    interface RunResult {
      changes: number;
      lastInsertRowid: number | bigint;
    }
    interface Statement {
      run(...parameters: unknown[]): RunResult;
      get(...parameters: unknown[]): unknown;
      all(...parameters: unknown[]): unknown[];
    }
    interface Database {
      prepare(source: string): Statement;
      exec(source: string): this;
      pragma(source: string, options?: { simple?: boolean }): unknown;
      transaction<F extends (...args: never[]) => unknown>(fn: F): F;
      close(): this;
      readonly open: boolean;
    }
  }
  const Database: new (
    filename: string,
    options?: { readonly?: boolean; fileMustExist?: boolean; timeout?: number },
  ) => Database.Database;
  export = Database;
}
