import { describe, expect, it } from "vitest";
import { closeContainer, perContainer } from "../../../layers/runtime/container";

describe("perContainer", () => {
  it("makes the value on first use only, and again after closeContainer closed it", async () => {
    const made: number[] = [];
    const closed: number[] = [];
    const value = perContainer(
      () => {
        made.push(made.length + 1);
        return made.length;
      },
      (v) => closed.push(v),
    );
    expect(made).toEqual([]);
    expect([value(), value()]).toEqual([1, 1]);
    await closeContainer();
    expect(closed).toEqual([1]);
    expect(value()).toBe(2);
    await closeContainer();
    await closeContainer();
    expect(closed).toEqual([1, 2]);
  });

  it("closes every other value when closing one fails, and forgets them all", async () => {
    const closed: string[] = [];
    const failing = perContainer(
      () => "failing",
      () => Promise.reject(new Error("the server is gone")),
    );
    const other = perContainer(
      () => ({ name: "other" }),
      (v) => closed.push(v.name),
    );
    const first = other();
    failing();
    await expect(closeContainer()).resolves.toBeUndefined();
    expect(closed).toEqual(["other"]);
    expect(other()).not.toBe(first);
    await closeContainer();
  });

  it("does not close what was never made", async () => {
    const closed: string[] = [];
    perContainer(
      () => "never",
      (v) => closed.push(v),
    );
    await closeContainer();
    expect(closed).toEqual([]);
  });
});
