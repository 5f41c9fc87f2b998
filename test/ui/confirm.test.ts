import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { test } from "node:test";
import { UserError } from "../../src/errors.ts";
import { confirm } from "../../src/ui/confirm.ts";

function terminal(isTTY = true) {
  const input = Object.assign(new PassThrough(), { isTTY });
  const output = Object.assign(new PassThrough(), { isTTY });
  let written = "";
  output.on("data", (chunk) => (written += String(chunk)));
  return { input, output, written: () => written };
}

async function answer(text: string): Promise<{ result: boolean; written: string }> {
  const t = terminal();
  const pending = confirm("Delete the site mysite?", { input: t.input, output: t.output, action: "delete the site mysite" });
  t.input.write(text);
  return { result: await pending, written: t.written() };
}

test("y and yes confirm; the question ends with [y/N]", async () => {
  const yes = await answer("y\n");
  assert.equal(yes.result, true);
  assert.match(yes.written, /Delete the site mysite\? \[y\/N\] /);
  assert.equal((await answer("YES\n")).result, true);
});

test("Enter, n and anything else mean no", async () => {
  for (const text of ["\n", "n\n", "no\n", "yep\n"]) assert.equal((await answer(text)).result, false, JSON.stringify(text));
});

test("Ctrl-D (end of input) and Ctrl-C mean no", async () => {
  const eof = terminal();
  const pending = confirm("Sure?", { input: eof.input, output: eof.output, action: "x" });
  eof.input.end();
  assert.equal(await pending, false);

  const interrupt = terminal();
  const asked = confirm("Sure?", { input: interrupt.input, output: interrupt.output, action: "x" });
  interrupt.input.write("\u0003");
  assert.equal(await asked, false);
});

test("no terminal: a UserError naming --yes, and nothing is asked", async () => {
  const t = terminal(false);
  await assert.rejects(confirm("Sure?", { input: t.input, output: t.output, action: "delete the site mysite" }), (error: unknown) => {
    assert.ok(error instanceof UserError);
    assert.equal(error.message, "Refusing to delete the site mysite without confirmation: there is no terminal to ask on.");
    assert.match(error.hint ?? "", /--yes/);
    return true;
  });
  assert.equal(t.written(), "");
});
