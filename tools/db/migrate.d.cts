// Types for tools/db/migrate.cjs, so TypeScript (the ledger's test helpers) can import it.
export declare const DEFAULT_DATABASE_URL: string;
export declare const MIGRATIONS_DIR: string;
export declare const SCHEMA_FILE: string;

export interface MigrateOptions {
  log?: (line: string) => void;
  migrationsDir?: string;
  schemaFile?: string;
}

export declare function migrate(
  databaseUrl: string,
  options?: MigrateOptions,
): Promise<{ database: string; created: boolean; applied: string[] }>;
export declare function ensureDatabase(databaseUrl: string): Promise<{ database: string; created: boolean }>;
export declare function dropDatabase(databaseUrl: string): Promise<void>;
export declare function diffMigrationsToSchema(databaseUrl: string, options?: MigrateOptions): Promise<string>;
export declare function newMigration(databaseUrl: string, name: string, options?: MigrateOptions): Promise<string | null>;
export declare function status(
  databaseUrl: string,
  options?: MigrateOptions,
): Promise<{ committed: string[]; applied: string[]; pending: string[]; failed: string[]; edited: string[] }>;
export declare function migrationFolderName(name: string, now?: Date): string;
