// Shared shape of the table-driven lookup tests (CoreDNS plugin/file style) and the check each row gets.
import { lookup, lookupToText } from "../src";
import type { CompiledZone } from "../src";

/** One row: a query and the expected semantics, records in `name ttl IN TYPE rdata` form. */
export interface LookupCase {
  name?: string;
  qname: string;
  qtype: string;
  dnssecOk?: boolean;
  result: string;
  /** Default 0 (NOERROR). */
  rcode?: number;
  /** Default true. */
  aa?: boolean;
  answer?: string[];
  authority?: string[];
  additional?: string[];
}

/** Runs the row's query against `zone` and checks result, rcode, AA and all three sections. */
export function expectLookup(zone: CompiledZone, c: LookupCase): void {
  const got = lookupToText(lookup(zone, c.qname, c.qtype, { dnssecOk: c.dnssecOk === true }));
  expect(got.result).toBe(c.result);
  expect(got.rcode).toBe(c.rcode ?? 0);
  expect(got.authoritative).toBe(c.aa ?? true);
  expect(got.answer).toEqual(c.answer ?? []);
  expect(got.authority).toEqual(c.authority ?? []);
  expect(got.additional).toEqual(c.additional ?? []);
}
