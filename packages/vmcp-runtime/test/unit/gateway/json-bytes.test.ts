import { expect, it } from "vitest";
import { lastJsonBytes } from "../../../src/server/json-bytes.ts";

it("serialises a snapshot once and again as soon as another one comes", () => {
  const json = lastJsonBytes<{ n: number }>();
  const a = { n: 1 };
  const first = json(a);
  expect(json(a)).toBe(first);
  const b = { n: 2 };
  expect(JSON.parse(json(b).toString())).toEqual({ n: 2 });
  // Back to the first object: its JSON again, not the second's.
  expect(JSON.parse(json(a).toString())).toEqual({ n: 1 });
});
