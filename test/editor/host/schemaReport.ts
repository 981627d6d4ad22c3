/** What the editor showed for setups (host/schemaSuite.ts writes it, setupSchema.test.ts asserts on it). Lines are 1-based. */
export interface SchemaDiagnostic {
  readonly line: number;
  readonly message: string;
  readonly severity: string;
  readonly source: string | undefined;
}

export interface SchemaReport {
  /** A setup with "optimiser" for "optimizer". */
  readonly typo: SchemaDiagnostic[];
  /** A valid setup, and a plain .json file with the same typo (the schema is for *.mixflow.json only). */
  readonly valid: SchemaDiagnostic[];
  readonly other: SchemaDiagnostic[];
  /** Completion labels inside the top-level object, and at a model's "kind" value. */
  readonly rootCompletions: string[];
  readonly kindCompletions: string[];
}

export const SCHEMA_REPORT_NAME = 'schema-report.json';

/** The workspace's files; `|` in the completion files marks where completion is asked. */
export const SCHEMA_FILES = {
  typo: 'typo.mixflow.json',
  valid: 'valid.mixflow.json',
  other: 'typo-elsewhere.json',
  completeRoot: 'complete-root.mixflow.json',
  completeKind: 'complete-kind.mixflow.json',
} as const;
