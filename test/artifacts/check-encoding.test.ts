// --encoding is checked by the Python that converts, with the converter's own
// rule (stub/datasette_lambda/convert/text.py): any text encoding it knows.
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkEncoding } from "../../src/artifacts/check-encoding.ts";
import { UserError } from "../../src/errors.ts";
import { cliEnv } from "../_helpers/cli.ts";

const env = cliEnv();

test("encodings Python knows pass, whatever their spelling", async () => {
  for (const name of ["cp1252", "latin-1", "ISO-8859-1", "utf_16_le", "shift_jis", "utf-8"]) await checkEncoding(name, env);
});

test("an unknown name, a codec that is not a text encoding, or none: one line naming the flag", async () => {
  for (const name of ["nope", "base64", "zlib"]) {
    await assert.rejects(
      checkEncoding(name, env),
      (error: unknown) =>
        error instanceof UserError &&
        error.message === `--encoding ${name}: Python knows no text encoding of that name (e.g. cp1252, latin-1, utf-16, shift_jis)` &&
        /standard-encodings/.test(error.hint ?? ""),
    );
  }
  await assert.rejects(
    checkEncoding(" ", env),
    (error: unknown) => error instanceof UserError && error.message === "--encoding needs an encoding's name",
  );
});
