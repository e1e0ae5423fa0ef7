// TCP slots (tcp-slots.ts): a cap per client prefix, a global cap, eviction of the idlest connection, fair share.
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

  test("fair share: when every slot is fresh, a prefix holding two fewer than the busiest takes the busiest's idlest slot", () => {
    const slots = new TcpSlots<string>(4, 0);
    slots.admit("a1", "192.0.2.1", 0);
    slots.admit("a2", "192.0.2.2", 1);
    slots.admit("a3", "192.0.2.3", 2);
    slots.admit("b1", "198.51.100.1", 3);
    slots.active("a1", 4); // a2 is now prefix a's idlest
    // A newcomer from a third prefix (holding none): a holds 3, so it gives way at once, whatever the ages.
    expect(slots.admit("c1", "203.0.113.1", 5)).toEqual({ admitted: true, evict: "a2" });
    slots.release("a2");
    // Now a holds 2, b and c one each: a second connection from c (1 + 2 > 2) is refused, a new prefix is not.
    expect(slots.admit("c2", "203.0.113.2", 6)).toEqual({ admitted: false, reason: "full" });
    expect(slots.admit("d1", "192.0.2.128", 6)).toEqual({ admitted: false, reason: "full" }); // same /24 as a
    expect(slots.admit("e1", "2001:db8::1", 7)).toEqual({ admitted: true, evict: "a3" });
    expect(slots.size).toBe(4);
    // Every prefix holds one: nobody is two ahead, so a fresh table refuses until the idlest has idled long enough.
    expect(slots.admit("f1", "192.0.3.1", 8)).toEqual({ admitted: false, reason: "full" });
    expect(slots.admit("f1", "192.0.3.1", 3 + TCP_EVICTABLE_AFTER_MS)).toEqual({ admitted: true, evict: "b1" });
  });

  test("fair share keeps its counts through admissions, activity and releases (many prefixes, random order)", () => {
    const slots = new TcpSlots<number>(50, 10);
    const held = new Map<number, string>();
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 5000; i++) {
      const prefix = `10.0.${Math.floor(next() * 12)}.1`;
      const a = slots.admit(i, prefix, i);
      if (!a.admitted && a.reason === "full") {
        // Refused only when no prefix holds two more than this one.
        const counts = new Map<string, number>();
        for (const p of held.values()) counts.set(p, (counts.get(p) ?? 0) + 1);
        const mine = counts.get(prefix.slice(0, prefix.lastIndexOf("."))) ?? 0;
        expect(Math.max(...counts.values())).toBeLessThan(mine + 2);
      }
      if (a.admitted) {
        if (a.evict !== null) held.delete(a.evict);
        held.set(i, prefix.slice(0, prefix.lastIndexOf(".")));
      }
      const victim = [...held.keys()][Math.floor(next() * held.size)];
      if (next() < 0.3 && victim !== undefined) {
        slots.release(victim);
        held.delete(victim);
      } else if (victim !== undefined) slots.active(victim, i);
      expect(slots.size).toBe(held.size);
    }
    const perPrefix = new Map<string, number>();
    for (const p of held.values()) perPrefix.set(p, (perPrefix.get(p) ?? 0) + 1);
    expect(Math.max(...perPrefix.values())).toBeLessThanOrEqual(10);
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
