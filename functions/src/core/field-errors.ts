/**
 * Field errors: one shape for every validation failure the API, the CLI and the agents report,
 * `{path, message, rule?}` (the type is the agent runtime's contract, so both sides share it).
 * `path` is dotted ("scaling.replicas", "env[2].name"), `message` states the rule and the
 * value that broke it, and `rule` is a short machine name taken from the zod issue:
 * `required`, `type`, `min`, `max`, `enum`, `unknown`, `pattern`, or a check's own name
 * (`custom` when it gives none). Errors written by hand may omit `rule`.
 *
 * Pure.
 */
import type { z } from 'zod';
import { type FieldError, formatPath } from '#agent-runtime/contract';

export type { FieldError };
export { formatPath };

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') {
    const text = JSON.stringify(value);
    return text.length > 60 ? `a string of ${value.length} characters` : text;
  }
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

/** zod's own messages start so; ours (which name the rule and value) never do. */
const isDefaultMessage = (message: string) =>
  /^(Invalid input|Invalid option|Invalid string|Invalid element|Invalid key|Too small|Too big|Expected )/.test(
    message,
  );

/** The rule name of an issue: the same names the agent runtime uses for the same zod codes. */
export function ruleOf(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'required' : 'type';
    case 'too_small':
      return 'min';
    case 'too_big':
      return 'max';
    case 'invalid_value':
      return 'enum';
    case 'unrecognized_keys':
      return 'unknown';
    case 'invalid_format':
      return 'pattern';
    case 'custom':
      return typeof issue.params?.rule === 'string' ? issue.params.rule : 'custom';
    default:
      return issue.code;
  }
}

/** Our words for a bound zod states in its own ("Too small: expected number to be >=1"). */
function boundMessage(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  const max = issue.code === 'too_big';
  const bound = max ? (issue as z.core.$ZodIssueTooBig).maximum : (issue as z.core.$ZodIssueTooSmall).minimum;
  const inclusive = issue.inclusive !== false;
  const most = max ? (inclusive ? 'at most' : 'less than') : inclusive ? 'at least' : 'more than';
  const got = 'input' in issue ? issue.input : undefined;
  if (issue.origin === 'string')
    return `must be ${most} ${bound} characters (got ${typeof got === 'string' ? got.length : describe(got)})`;
  if (issue.origin === 'array')
    return `must have ${most} ${bound} items (got ${Array.isArray(got) ? got.length : describe(got)})`;
  return `must be ${most} ${bound} (got ${describe(got)})`;
}

/**
 * Of a union's failed branches, the one that got furthest: not the branch that failed on the
 * value's very type (a string offered to the object branch, say).
 */
function closestBranch(branches: z.core.$ZodIssue[][]): z.core.$ZodIssue[] {
  return (
    branches.find(
      (issues) => !issues.some((issue) => issue.code === 'invalid_type' && issue.path.length === 0),
    ) ??
    branches[0] ??
    []
  );
}

/** Field errors from a zod error, with messages that name the rule and the value. */
export function fieldErrors(error: { issues: z.core.$ZodIssue[] }): FieldError[] {
  const errors: FieldError[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'invalid_union') {
      const inner = closestBranch(issue.errors).map((nested) => ({
        ...nested,
        path: [...issue.path, ...nested.path],
      }));
      errors.push(...fieldErrors({ issues: inner as z.core.$ZodIssue[] }));
      continue;
    }
    const path = formatPath(issue.path);
    const rule = ruleOf(issue);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        errors.push({
          path: formatPath([...issue.path, key]),
          message: `is not a known field here (unknown fields are rejected, not ignored; check the spelling)`,
          rule,
        });
      continue;
    }
    if (!isDefaultMessage(issue.message)) {
      errors.push({ path, message: issue.message, rule });
      continue;
    }
    if (issue.code === 'invalid_type') {
      const got = 'input' in issue ? describe(issue.input) : 'nothing';
      errors.push({
        path,
        message:
          issue.input === undefined
            ? `is required (expected ${issue.expected})`
            : `must be ${issue.expected === 'object' || issue.expected === 'array' ? 'an' : 'a'} ${issue.expected} (got ${got})`,
        rule,
      });
      continue;
    }
    if (issue.code === 'invalid_value') {
      errors.push({
        path,
        message: `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')} (got ${describe(issue.input)})`,
        rule,
      });
      continue;
    }
    if (issue.code === 'too_small' || issue.code === 'too_big') {
      errors.push({ path, message: boundMessage(issue), rule });
      continue;
    }
    errors.push({ path, message: issue.message, rule });
  }
  return errors;
}

export function formatFieldErrors(errors: readonly FieldError[]): string {
  return errors.map((error) => `${error.path}: ${error.message}`).join('\n');
}
