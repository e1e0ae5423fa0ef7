// TCP slots (tcp-slots.ts): a cap per client prefix, a global cap, eviction of the stalest connection only.
import { TCP_EVICTABLE_AFTER_MS, TcpSlots } from "../src/tcp-slots";
import { createLogLimiter } from "../src/log-limit";

describe("TcpSlots", () => {
  test("a client prefix (/24, /56) holds at most its share, whatever the addresses inside it", () => {
    const slots = new TcpSlots<string>(100, 2);
    expect(slots.admit("a", "192.0.2.1", 0)).toEqual({ admitted: true, evict: null });
    expect(slots.admit("b", "192.0.2.200", 0)).toEqual({ admitted: true, evict: null });
    expect(slots.admit("c", "192.0.2.7", 0)).toEqual({ admitted: false, reason: "prefix" });
    expect(slots.admit("d", "192.0.3.1", 0)).toEqual({ admitted: true, evict: null });
    expect(slots.admit("e", "2001:db8:0:ff::1", 0)).toEqual({ admitted: true, evict: null });
    expect(slots.admit("f", "2001:db8:0:12::9", 0)).toEqual({ admitted: true, evict: null }); // same /56
    expect(slots.admit("g", "2001:db8:0:1::1", 0)).toEqual({ admitted: false, reason: "prefix" });
    slots.release("a");
    expect(slots.admit("c", "192.0.2.7", 0)).toEqual({ admitted: true, evict: null });
  });

  test("when every slot is taken, the connection idle longest makes room once it has idled long enough", () => {
    const slots = new TcpSlots<string>(2, 0);
    slots.admit("old", "192.0.2.1", 0);
    slots.admit("young", "198.51.100.1", 10);
    slots.active("old", 20); // "old" answered a message: "young" is now the stalest
    expect(slots.admit("new", "203.0.113.1", 10 + TCP_EVICTABLE_AFTER_MS - 1)).toEqual({ admitted: false, reason: "full" });
    expect(slots.admit("new", "203.0.113.1", 10 + TCP_EVICTABLE_AFTER_MS)).toEqual({ admitted: true, evict: "young" });
    expect(slots.size).toBe(2);
    slots.release("young"); // the evicted socket's close event: harmless
    expect(slots.size).toBe(2);
  });

  test("an evicted connection of the same prefix frees its share for the newcomer", () => {
    const slots = new TcpSlots<string>(1, 1);
    slots.admit("a", "192.0.2.1", 0);
    expect(slots.admit("b", "198.51.100.1", TCP_EVICTABLE_AFTER_MS)).toEqual({ admitted: true, evict: "a" });
    expect(slots.admit("c", "198.51.100.2", 2 * TCP_EVICTABLE_AFTER_MS)).toEqual({ admitted: false, reason: "prefix" });
  });
});

describe("createLogLimiter", () => {
  test("one line per interval, counting every event by kind since the last line", () => {
    const lines: object[] = [];
    const logger = { warn: (o: object) => lines.push(o), error: () => undefined };
    const limiter = createLogLimiter(logger, "refused", 1000);
    limiter.note("prefix", 0, { peer: "192.0.2.1" });
    for (let t = 1; t < 1000; t++) limiter.note(t % 2 === 0 ? "prefix" : "full", t);
    expect(lines).toHaveLength(1);
    limiter.note("prefix", 1000, { peer: "192.0.2.9" });
    expect(lines).toEqual([
      { peer: "192.0.2.1", counts: { prefix: 1 }, sinceMs: 0 },
      { peer: "192.0.2.9", counts: { prefix: 500, full: 500 }, sinceMs: 1000 },
    ]);
  });
});
