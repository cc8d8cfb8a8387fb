// Awaiting an expected failure: the rejection, checked to be a MilensError, for assertions on its code.
import { expect } from 'vitest';
import { MilensError } from '../../main/api/errors.js';

export async function rejection(promise: Promise<unknown>): Promise<MilensError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(MilensError);
  return error as MilensError;
}
