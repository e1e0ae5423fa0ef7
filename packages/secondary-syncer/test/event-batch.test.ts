// Planning one batch of delivered messages: redeliveries folded into their first delivery, one plan per zone.
import { planBatch } from "../src";
import type { PendingZoneEvent } from "../src";

interface Msg {
  seq: number;
  type: PendingZoneEvent["type"] | "junk";
  zone: string;
  delivery: number;
}
const m = (seq: number, type: Msg["type"], zone = "a.test.", delivery = 1): Msg => ({ seq, type, zone, delivery });
const admitted: Msg[] = [];
const admit = (msg: Msg): PendingZoneEvent | undefined => {
  admitted.push(msg);
  return msg.type === "junk" ? undefined : { seq: msg.seq, id: `e${msg.seq}`, type: msg.type, zone: msg.zone };
};

describe("planBatch", () => {
  beforeEach(() => void admitted.splice(0));

  test("one plan per zone with every delivery it settles; junk is left to admit", () => {
    const batch = [m(1, "zone.modified"), m(2, "zone.add", "b.test."), m(3, "junk"), m(4, "zone.modified")];
    const planned = planBatch(batch, admit);
    expect(planned.map((p) => [p.plan.zone, p.plan.seqs, p.msgs.map((x) => x.seq)])).toEqual([
      ["a.test.", [1, 4], [1, 4]],
      ["b.test.", [2], [2]],
    ]);
    expect(admitted.map((x) => x.seq)).toEqual([1, 2, 3, 4]);
  });

  test("a redelivery of a message in the batch joins the first delivery and is not admitted again", () => {
    const first = m(5, "zone.delete");
    const again = m(5, "zone.delete", "a.test.", 2);
    const planned = planBatch([first, m(6, "zone.add"), again], admit);
    expect(planned).toHaveLength(1);
    expect(planned[0]?.plan).toMatchObject({ deleted: true, sync: true, seqs: [5, 6] });
    expect(planned[0]?.msgs).toEqual([first, again, m(6, "zone.add")]);
    expect(admitted).toEqual([first, m(6, "zone.add")]);
  });
});
