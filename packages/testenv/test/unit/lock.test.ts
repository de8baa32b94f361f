import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { withLockFile } from "../../src/lock.ts";

const dir = mkdtempSync(join(tmpdir(), "testenv-lock-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("withLockFile", () => {
  it("runs callers one at a time and releases the lock afterwards", async () => {
    const file = join(dir, "a.lock");
    const order: string[] = [];
    let releaseFirst = () => {};
    const first = withLockFile(file, async () => {
      order.push("first:start");
      await new Promise<void>((r) => {
        releaseFirst = r;
      });
      order.push("first:end");
    });
    const waits: number[] = [];
    let waiting = () => {};
    const secondWaits = new Promise<void>((r) => {
      waiting = r;
    });
    const second = withLockFile(file, async () => order.push("second"), {
      onWait: (pid) => {
        waits.push(pid);
        waiting();
      },
    });
    await secondWaits;
    expect(order).toEqual(["first:start"]);
    releaseFirst();
    await Promise.all([first, second]);
    expect(order).toEqual(["first:start", "first:end", "second"]);
    expect(waits).toEqual([process.pid]);
    expect(existsSync(file)).toBe(false);
  });

  it("takes over a lock left behind by a process that no longer exists", async () => {
    const file = join(dir, "b.lock");
    writeFileSync(file, "2147483646"); // no such pid
    expect(await withLockFile(file, async () => "ran", { timeoutMs: 1_000 })).toBe("ran");
  });
});
