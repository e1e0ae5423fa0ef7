// Which zones leave dnsdist's packet caches at a push: data changed, routed or unrouted since the last push.
import { cacheFlush } from "../src/pusher";

describe("cacheFlush", () => {
  test("before the first push every cache is emptied (dnsdist may hold answers of zones deleted meanwhile)", () => {
    expect(cacheFlush([], undefined, ["a."])).toBe("all");
  });

  test("zones routed, unrouted or with changed data, once each, sorted", () => {
    expect(cacheFlush(["b."], new Set(["a.", "b.", "c."]), ["a.", "b.", "c."])).toEqual(["b."]);
    expect(cacheFlush([], new Set(["a.", "gone."]), ["a.", "new."])).toEqual(["gone.", "new."]);
    expect(cacheFlush(["new."], new Set(["a."]), ["a.", "new."])).toEqual(["new."]);
    expect(cacheFlush([], new Set(["a."]), ["a."])).toEqual([]);
  });

  test("more than 100 zones at once: the caches are emptied instead", () => {
    const many = Array.from({ length: 101 }, (_, i) => `z${i}.`);
    expect(cacheFlush([], new Set(), many)).toBe("all");
    expect(cacheFlush([], new Set(), many.slice(0, 100))).toHaveLength(100);
  });
});
