/**
 * Field errors: one shape for every validation failure the API and the CLI report.
 * `path` is dotted ("scaling.replicas", "env[2].name"), `message` states the rule and the
 * value that broke it.
 *
 * Pure.
 */
import type { z } from 'zod';

export interface FieldError {
  path: string;
  message: string;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else text += text === '' ? String(key) : `.${String(key)}`;
  }
  return text || '(root)';
}

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
  message.startsWith('Invalid input') || message.startsWith('Invalid option');

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
    if (!isDefaultMessage(issue.message) && issue.code !== 'unrecognized_keys') {
      errors.push({ path: formatPath(issue.path), message: issue.message });
      continue;
    }
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        errors.push({
          path: formatPath([...issue.path, key]),
          message: `is not a known field here (unknown fields are rejected, not ignored; check the spelling)`,
        });
      continue;
    }
    if (issue.code === 'invalid_type') {
      const got = 'input' in issue ? describe(issue.input) : 'nothing';
      errors.push({
        path: formatPath(issue.path),
        message:
          issue.input === undefined
            ? `is required (expected ${issue.expected})`
            : `must be ${issue.expected === 'object' || issue.expected === 'array' ? 'an' : 'a'} ${issue.expected} (got ${got})`,
      });
      continue;
    }
    if (issue.code === 'invalid_value') {
      errors.push({
        path: formatPath(issue.path),
        message: `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')} (got ${describe(issue.input)})`,
      });
      continue;
    }
    errors.push({ path: formatPath(issue.path), message: issue.message });
  }
  return errors;
}

export function formatFieldErrors(errors: readonly FieldError[]): string {
  return errors.map((error) => `${error.path}: ${error.message}`).join('\n');
}
