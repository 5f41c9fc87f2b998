import assert from "node:assert/strict";
import { test } from "node:test";
import { waitUntilServed, type WaitOptions } from "../../src/live/wait-served.ts";

type Answer = { status: number; body: string } | Error;

/** A fetch answering from a script (the last answer repeats), a clock that moves only when slept. */
function world(answers: Answer[]) {
  const clock = { now: 1_000_000 };
  const urls: string[] = [];
  const fetch = (async (url: string | URL) => {
    urls.push(String(url));
    const answer = answers.length > 1 ? answers.shift()! : answers[0]!;
    if (answer instanceof Error) throw answer;
    return new Response(answer.body, { status: answer.status });
  }) as typeof globalThis.fetch;
  const progress: string[] = [];
  const options: WaitOptions = {
    fetch,
    now: () => clock.now,
    sleep: async (ms) => void (clock.now += ms),
    pollMs: 2000,
    timeoutMs: 10_000,
    onProgress: (p) => progress.push(`${p.served}/${p.total}${p.problem ? ` ${p.problem}` : ""}`),
  };
  return { options, urls, progress, clock };
}

/** The runtime's answer to push's question: per name, served live with the bytes asked about. */
const status = (expected: Record<string, boolean>) => ({
  status: 200,
  body: JSON.stringify({ databases: {}, manifestEtag: null, checkedAt: null, expected }),
});

test("polls until every database is served live with the new bytes, busting caches every time", async () => {
  const w = world([
    status({ a: false, b: false }),
    { status: 503, body: "busy" },
    status({ a: true, b: false }),
    status({ a: true, b: true }),
  ]);
  const outcome = await waitUntilServed("https://site.example/x/", { a: "new", b: "b1" }, w.options);
  assert.deepEqual(outcome, { kind: "served", elapsedMs: 6000 });
  assert.deepEqual(w.progress, ["0/2", "0/2 HTTP 503", "1/2"]);
  assert.equal(w.urls.length, 4);
  assert.ok(w.urls.every((url) => url.startsWith("https://site.example/x/-/datasette-lambda.json?expect=a%3Anew&expect=b%3Ab1&_=")));
  assert.equal(new Set(w.urls).size, 4, "a different query string each time");
});

test("times out with what is still pending and the last problem", async () => {
  const w = world([status({ a: false }), new TypeError("fetch failed", { cause: { code: "ECONNREFUSED" } })]);
  const outcome = await waitUntilServed("https://site.example/", { a: "new" }, w.options);
  assert.deepEqual(outcome, { kind: "timed-out", elapsedMs: 10_000, pending: ["a"], lastProblem: "ECONNREFUSED" });
});

test("a 404 is a problem like any other: waited past, named when the wait times out", async () => {
  const w = world([{ status: 404, body: "not found" }]);
  const outcome = await waitUntilServed("https://site.example/", { a: "new" }, w.options);
  assert.deepEqual(outcome, { kind: "timed-out", elapsedMs: 10_000, pending: ["a"], lastProblem: "HTTP 404" });
});

test("an answer that is not the status JSON is retried", async () => {
  const w = world([{ status: 200, body: "<html>" }, status({ a: true })]);
  assert.equal((await waitUntilServed("https://site.example/", { a: "new" }, w.options)).kind, "served");
  assert.deepEqual(w.progress, ["0/1 an answer that is not the status JSON"]);
});

test("Ctrl-C stops the wait", async () => {
  const w = world([status({ a: false })]);
  const controller = new AbortController();
  const outcome = await waitUntilServed(
    "https://site.example/",
    { a: "new" },
    {
      ...w.options,
      signal: controller.signal,
      sleep: async () => controller.abort(),
    },
  );
  assert.equal(outcome.kind, "interrupted");
});
