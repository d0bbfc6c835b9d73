import { UserInputError } from '../errors';

/** C0 and C1 control characters and DEL (newlines and tabs only where `multiline`). */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const CONTROL_EXCEPT_NEWLINES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

export interface TextRule {
  readonly min?: number;
  readonly max: number;
  /** Free text (descriptions): newlines and tabs are allowed. */
  readonly multiline?: boolean;
}

/** Lengths of the names and free texts users give (characters). */
export const TEXT_LIMITS = {
  name: { min: 1, max: 200 },
  tag: { min: 1, max: 100 },
  description: { max: 10_000, multiline: true },
} as const satisfies Record<string, TextRule>;

/**
 * Names and free text: no control characters (a NUL or BEL in a dataset name breaks terminals,
 * logs and file names), bounded length; the error names the field.
 */
export function assertText(field: string, value: string, rule: TextRule): void {
  if (typeof value !== 'string') throw new UserInputError(`${field} must be text`, { field });
  const length = [...value].length;
  if (length < (rule.min ?? 0)) throw new UserInputError(rule.min === 1 ? `${field} must not be empty` : `${field} must have at least ${rule.min} characters`, { field });
  if (length > rule.max) throw new UserInputError(`${field} is too long: ${length} characters, at most ${rule.max}`, { field });
  const match = (rule.multiline ? CONTROL_EXCEPT_NEWLINES : CONTROL).exec(value);
  if (match) {
    const code = match[0].charCodeAt(0).toString(16).padStart(4, '0');
    throw new UserInputError(`${field} contains a control character (U+${code.toUpperCase()}) at position ${match.index + 1}`, { field });
  }
}
