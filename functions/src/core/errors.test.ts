import { describe, expect, it, vi } from 'vitest';
import {
  ConflictError,
  FleetplaneError,
  NotFoundError,
  UnavailableError,
  ValidationError,
} from './errors.ts';

describe('error classes', () => {
  it('recognise their instances, and only theirs', () => {
    const error = new UnavailableError('store', 'down');
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error).toBeInstanceOf(FleetplaneError);
    expect(error).not.toBeInstanceOf(ConflictError);
    expect(new Error('plain')).not.toBeInstanceOf(FleetplaneError);
    expect(error).toMatchObject({ status: 503, dependency: 'store', retryAfterSeconds: 5 });
  });

  it('recognise instances of a second copy of the class (another bundle chunk)', async () => {
    // A fresh module instance stands for the copy a lazily loaded chunk carries.
    vi.resetModules();
    const copy = await import('./errors.ts');
    expect(copy.NotFoundError).not.toBe(NotFoundError);
    const foreign = new copy.NotFoundError('no agent named "x"');
    expect(foreign).toBeInstanceOf(NotFoundError);
    expect(foreign).toBeInstanceOf(FleetplaneError);
    expect(foreign).not.toBeInstanceOf(ValidationError);
  });
});
