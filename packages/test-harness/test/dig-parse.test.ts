// Unit tests of the dig/kdig output parser on captured outputs of bind9 dig 9.18 and knot kdig 3.2.

import { normalizeRecordLine, parseDigOutput } from "../src/dig";

const DIG_OUTPUT = `
; <<>> DiG 9.18.49-1~deb12u3-Debian <<>> @127.0.0.1 -p 15353 www.example.org TXT +norecurse +dnssec
; (1 server found)
;; global options: +cmd
;; Got answer:
;; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 15690
;; flags: qr aa; QUERY: 1, ANSWER: 2, AUTHORITY: 0, ADDITIONAL: 1

;; OPT PSEUDOSECTION:
; EDNS: version: 0, flags: do; udp: 1232
;; QUESTION SECTION:
;www.example.org.\t\tIN\tTXT

;; ANSWER SECTION:
www.example.org.\t300\tIN\tTXT\t"hello   world" "x"
www.example.org.\t300\tIN\tRRSIG\tTXT 13 3 300 20261203000000 20261112000000 35012 example.org. rLMb==

;; Query time: 0 msec
;; SERVER: 127.0.0.1#15353(127.0.0.1) (UDP)
;; MSG SIZE  rcvd: 72
`;

const KDIG_OUTPUT = `;; ->>HEADER<<- opcode: QUERY; status: NXDOMAIN; id: 41123
;; Flags: qr aa; QUERY: 1; ANSWER: 0; AUTHORITY: 1; ADDITIONAL: 1

;; EDNS PSEUDOSECTION:
;; Version: 0; flags: do; UDP size: 1232 B; ext-rcode: NOERROR

;; QUESTION SECTION:
;; nx.example.org.        \t\tIN\tA

;; AUTHORITY SECTION:
example.org.        \t3600\tIN\tSOA\tns1.example.org. hostmaster.example.org. 2026112201 10800 3600 604800 3600

;; Received 121 B
;; From 127.0.0.1@15353(TCP) in 0.9 ms
`;

describe("parseDigOutput", () => {
  test("dig: status, flags and single-spaced records with quoted strings intact", () => {
    const r = parseDigOutput(DIG_OUTPUT);
    expect(r.status).toBe("NOERROR");
    expect(r.flags).toEqual(["qr", "aa"]);
    expect(r.answer).toEqual([
      'www.example.org. 300 IN TXT "hello   world" "x"',
      "www.example.org. 300 IN RRSIG TXT 13 3 300 20261203000000 20261112000000 35012 example.org. rLMb==",
    ]);
    expect(r.authority).toEqual([]);
    expect(r.additional).toEqual([]);
  });

  test("kdig: semicolon-separated header and Flags line", () => {
    const r = parseDigOutput(KDIG_OUTPUT);
    expect(r.status).toBe("NXDOMAIN");
    expect(r.flags).toEqual(["qr", "aa"]);
    expect(r.answer).toEqual([]);
    expect(r.authority).toEqual([
      "example.org. 3600 IN SOA ns1.example.org. hostmaster.example.org. 2026112201 10800 3600 604800 3600",
    ]);
  });

  test("the last response wins when dig retried over TCP", () => {
    const truncated = DIG_OUTPUT.replace("flags: qr aa;", "flags: qr aa tc;") + ";; Truncated, retrying in TCP mode.\n";
    const r = parseDigOutput(truncated + KDIG_OUTPUT);
    expect(r.status).toBe("NXDOMAIN");
    expect(r.answer).toEqual([]);
  });

  test("normalizeRecordLine keeps escaped quotes inside strings", () => {
    expect(normalizeRecordLine('a.\t60\tIN\tTXT\t"say \\"hi  there\\""')).toBe('a. 60 IN TXT "say \\"hi  there\\""');
  });
});
