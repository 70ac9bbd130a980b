import type { ObjectKind } from '../kinds.js';

/** The outcome of reading one value that already has the right shape. */
export type Parsed<T> =
  | {
      ok: true;
      value: T;
      /** Things normalising removes (dropped empty items), reported as a warning. */
      dropped?: string[];
      /** Things that are admitted but worth a warning. */
      warnings?: string[];
    }
  | {
      ok: false;
      reason: string;
      /** The reason stands alone: the value is too long to repeat in a message. */
      omitValue?: boolean;
    };

/** JSON Schema (for ajv) of the trimmed raw value; patterns match in any letter case. */
export interface ValueSchema {
  type: 'string';
  pattern?: string;
  minLength?: number;
  maxLength?: number;
}

export interface KeyDefinition<T> {
  /** What would be accepted, phrased to follow "must be": shown in every denial. */
  accepted: string;
  /** The normal form, for the reference documentation. */
  normalForm: string;
  /** Further notes for the reference documentation. */
  notes: string;
  schema: ValueSchema;
  /** Kinds the key means something for; on other kinds it is admitted with a warning. */
  kinds?: readonly ObjectKind[];
  /** Semantic checks and conversion of a trimmed value that passed the schema. */
  parse(value: string): Parsed<T>;
  /** The normal form of a parsed value. */
  format(value: T): string;
}
