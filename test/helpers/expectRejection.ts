import { expect } from "chai";

type ErrorClass<E extends Error> = abstract new (...args: never[]) => E;

/**
 * Awaits `promise` and asserts it rejects with an instance of `errorClass` (and, if given, that
 * `error.code` equals `code`). Returns the error for further assertions. A stand-in for
 * chai-as-promised, which this project does not install.
 */
export async function expectRejection<E extends Error>(
  promise: Promise<unknown>,
  errorClass: ErrorClass<E>,
  code?: string,
): Promise<E> {
  let outcome: { rejected: false } | { rejected: true; reason: unknown };
  try {
    await promise;
    outcome = { rejected: false };
  } catch (reason) {
    outcome = { rejected: true, reason };
  }
  if (!outcome.rejected) {
    expect.fail(`expected a rejection with ${errorClass.name}, but the promise resolved`);
  }
  const { reason } = outcome;
  expect(reason, `rejection reason: ${String(reason)}`).to.be.instanceOf(errorClass);
  const error = reason as E;
  if (code !== undefined) {
    expect((error as E & { code?: unknown }).code, error.message).to.equal(code);
  }
  return error;
}

/** Synchronous counterpart of `expectRejection`. */
export function expectThrow<E extends Error>(
  fn: () => unknown,
  errorClass: ErrorClass<E>,
  code?: string,
): E {
  let outcome: { threw: false } | { threw: true; reason: unknown };
  try {
    fn();
    outcome = { threw: false };
  } catch (reason) {
    outcome = { threw: true, reason };
  }
  if (!outcome.threw) expect.fail(`expected ${errorClass.name} to be thrown, but nothing was`);
  const { reason } = outcome;
  expect(reason, `thrown: ${String(reason)}`).to.be.instanceOf(errorClass);
  const error = reason as E;
  if (code !== undefined) {
    expect((error as E & { code?: unknown }).code, error.message).to.equal(code);
  }
  return error;
}
