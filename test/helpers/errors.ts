/** Assertions on thrown errors shared by the test files. */
import { expect } from 'vitest';

/** The error `run` throws, after asserting that it is a `type`; fails the test when nothing is thrown. */
export function thrownBy<E extends Error>(type: abstract new (...args: never[]) => E, run: () => unknown): E {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    return error as E;
  }
  throw new Error(`expected a ${type.name}`);
}
