import { describe, expect, it } from 'vitest';
import { ConflictError, FleetplaneError, UnavailableError, ValidationError } from './errors.ts';

describe('error classes', () => {
  it('recognise their instances, and only theirs', () => {
    const error = new UnavailableError('store', 'down');
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error).toBeInstanceOf(FleetplaneError);
    expect(error).not.toBeInstanceOf(ConflictError);
    expect(new Error('plain')).not.toBeInstanceOf(FleetplaneError);
    expect(error).toMatchObject({ dependency: 'store', retryAfterSeconds: 5 });
  });

  it('say what is wrong without HTTP: a validation error lists its fields', () => {
    const error = new ValidationError([{ path: 'name', message: 'must not be empty' }]);
    expect(error.message).toBe('name: must not be empty');
    expect(error.malformed).toBe(false);
    expect(Object.keys(error)).not.toContain('status');
  });
});
