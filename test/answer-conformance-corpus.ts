// Zones and queries of the answer-engine conformance test: every behaviour of issue #3, in master-file form.

/** A zone of the corpus; `sign` asks for DNSSEC signing with ldns-signzone (NSEC or NSEC3). */
export interface CorpusZone {
  origin: string;
  text: string;
  sign?: "nsec" | "nsec3";
}

/** One query sent to both servers: `dig` arguments besides server and port. */
export interface CorpusQuery {
  qname: string;
  qtype: string;
  dnssec?: boolean;
  tcp?: boolean;
  /** Further dig options, e.g. "+bufsize=512", "+noedns", "+edns=1". */
  extra?: string[];
}

const many = Array.from({ length: 40 }, (_, i) => `many.conf.test. 300 IN A 192.0.2.${101 + i}`);

/** Unsigned zone with every lookup behaviour of RFC 1034 §4.3.2, RFC 4592, RFC 6672 and additional processing. */
const CONF = `
conf.test. 3600 IN SOA ns1.conf.test. hostmaster.conf.test. 2024010101 7200 3600 1209600 300
conf.test. 3600 IN NS ns1.conf.test.
conf.test. 3600 IN NS ns2.conf.test.
conf.test. 3600 IN MX 10 mail.conf.test.
conf.test. 3600 IN MX 20 mx.elsewhere.invalid.
conf.test. 3600 IN TXT "apex"
ns1.conf.test. 3600 IN A 192.0.2.1
ns1.conf.test. 3600 IN AAAA 2001:db8::1
ns2.conf.test. 3600 IN A 192.0.2.2
mail.conf.test. 3600 IN A 192.0.2.3
mail.conf.test. 3600 IN AAAA 2001:db8::3
www.conf.test. 300 IN A 192.0.2.10
www.conf.test. 300 IN A 192.0.2.11
www.conf.test. 300 IN TXT "hello world"
_sip._tcp.conf.test. 3600 IN SRV 0 5 5060 sip.conf.test.
sip.conf.test. 3600 IN AAAA 2001:db8::5
a.b.c.conf.test. 3600 IN A 192.0.2.20
alias.conf.test. 300 IN CNAME alias2.conf.test.
alias2.conf.test. 300 IN CNAME www.conf.test.
out.conf.test. 300 IN CNAME www.elsewhere.invalid.
dangling.conf.test. 300 IN CNAME nothing.conf.test.
loop1.conf.test. 300 IN CNAME loop2.conf.test.
loop2.conf.test. 300 IN CNAME loop1.conf.test.
tomx.conf.test. 300 IN CNAME mail.conf.test.
*.wild.conf.test. 300 IN A 192.0.2.30
*.wild.conf.test. 300 IN TXT "wild"
exists.wild.conf.test. 300 IN A 192.0.2.31
x.ent.wild.conf.test. 300 IN A 192.0.2.32
*.cwild.conf.test. 300 IN CNAME www.conf.test.
*.mxwild.conf.test. 300 IN MX 10 mail.conf.test.
deleg.conf.test. 3600 IN NS ns.deleg.conf.test.
deleg.conf.test. 3600 IN NS ns.elsewhere.invalid.
ns.deleg.conf.test. 3600 IN A 192.0.2.40
ns.deleg.conf.test. 3600 IN AAAA 2001:db8::40
child.conf.test. 3600 IN NS ns1.child.conf.test.
ns1.child.conf.test. 3600 IN A 192.0.2.50
dn.conf.test. 300 IN DNAME target.conf.test.
x.target.conf.test. 300 IN A 192.0.2.60
dnout.conf.test. 300 IN DNAME elsewhere.invalid.
hinfo.conf.test. 300 IN HINFO "cpu" "os"
${many.join("\n")}
`;

/** A zone nested in conf.test. (the parent delegates it): the most specific zone wins. */
const CHILD = `
child.conf.test. 3600 IN SOA ns1.child.conf.test. hostmaster.conf.test. 5 7200 3600 1209600 600
child.conf.test. 3600 IN NS ns1.child.conf.test.
ns1.child.conf.test. 3600 IN A 192.0.2.50
www.child.conf.test. 300 IN A 192.0.2.51
`;

/** The content of both signed zones: wildcards, ENT, CNAME, secure and insecure delegations, MX. */
function signedZone(z: string): string {
  return `
${z} 3600 IN SOA ns1.${z} hostmaster.${z} 1 7200 3600 1209600 300
${z} 3600 IN NS ns1.${z}
${z} 3600 IN MX 10 www.${z}
ns1.${z} 3600 IN A 192.0.2.1
www.${z} 300 IN A 192.0.2.10
www.${z} 300 IN TXT "signed"
a.b.${z} 300 IN A 192.0.2.20
*.wild.${z} 300 IN A 192.0.2.30
alias.${z} 300 IN CNAME www.${z}
*.cw.${z} 300 IN CNAME www.${z}
secure.${z} 3600 IN NS ns.secure.${z}
secure.${z} 3600 IN DS 12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
ns.secure.${z} 3600 IN A 192.0.2.40
insecure.${z} 3600 IN NS ns.insecure.${z}
ns.insecure.${z} 3600 IN A 192.0.2.41
`;
}

/** The zones served by both the engine and the reference server. */
export const CORPUS_ZONES: CorpusZone[] = [
  { origin: "conf.test.", text: CONF },
  { origin: "child.conf.test.", text: CHILD },
  { origin: "nsec.test.", text: signedZone("nsec.test."), sign: "nsec" },
  { origin: "nsec3.test.", text: signedZone("nsec3.test."), sign: "nsec3" },
];

const q = (qname: string, qtype: string, more: Partial<CorpusQuery> = {}): CorpusQuery => ({ qname, qtype, ...more });

/** Queries of the unsigned zones. */
const UNSIGNED: CorpusQuery[] = [
  // Exact match, NODATA, NXDOMAIN, ENT, case preserved, REFUSED outside.
  q("www.conf.test.", "A"),
  q("www.conf.test.", "TXT"),
  q("WwW.CoNf.TeSt.", "A"),
  q("www.conf.test.", "AAAA"),
  q("nope.conf.test.", "A"),
  q("b.c.conf.test.", "A"),
  q("c.conf.test.", "TXT"),
  q("x.b.c.conf.test.", "A"),
  q("conf.test.", "SOA"),
  q("conf.test.", "NS"),
  q("conf.test.", "TXT"),
  q("conf.test.", "DNSKEY"),
  q("www.example.net.", "A"),
  q("test.", "SOA"),
  // Additional-section processing: MX, SRV, NS.
  q("conf.test.", "MX"),
  q("_sip._tcp.conf.test.", "SRV"),
  q("ns1.conf.test.", "A"),
  // CNAME chains, out-of-zone targets, dangling targets, loops, qtype CNAME.
  q("alias.conf.test.", "A"),
  q("alias.conf.test.", "CNAME"),
  q("alias.conf.test.", "AAAA"),
  q("out.conf.test.", "A"),
  q("dangling.conf.test.", "A"),
  q("loop1.conf.test.", "A"),
  q("tomx.conf.test.", "MX"),
  // Wildcards (RFC 4592): synthesis, NODATA, existing names, ENT blocking, wildcard CNAME, wildcard MX.
  q("foo.wild.conf.test.", "A"),
  q("foo.wild.conf.test.", "TXT"),
  q("a.b.wild.conf.test.", "A"),
  q("foo.wild.conf.test.", "AAAA"),
  q("exists.wild.conf.test.", "A"),
  q("exists.wild.conf.test.", "TXT"),
  q("ent.wild.conf.test.", "A"),
  q("y.ent.wild.conf.test.", "A"),
  q("*.wild.conf.test.", "A"),
  q("foo.cwild.conf.test.", "A"),
  q("foo.cwild.conf.test.", "CNAME"),
  q("foo.mxwild.conf.test.", "MX"),
  // Delegations, glue, DS at the cut (no DS here), nested zones.
  q("deleg.conf.test.", "A"),
  q("www.deleg.conf.test.", "A"),
  q("deleg.conf.test.", "NS"),
  q("deleg.conf.test.", "DS"),
  q("ns.deleg.conf.test.", "A"),
  q("child.conf.test.", "SOA"),
  q("child.conf.test.", "NS"),
  q("www.child.conf.test.", "A"),
  q("nope.child.conf.test.", "A"),
  q("child.conf.test.", "DS"),
  // DNAME (RFC 6672).
  q("x.dn.conf.test.", "A"),
  q("y.dn.conf.test.", "A"),
  q("dn.conf.test.", "DNAME"),
  q("dn.conf.test.", "A"),
  q("x.dn.conf.test.", "CNAME"),
  q("x.dnout.conf.test.", "A"),
  // ANY (RFC 8482), HINFO.
  q("hinfo.conf.test.", "HINFO"),
  q("www.conf.test.", "ANY", { tcp: true }),
  // EDNS (RFC 6891): no EDNS, small buffer and truncation, TCP, BADVERS, unknown options.
  q("many.conf.test.", "A", { extra: ["+noedns", "+ignore"] }),
  q("many.conf.test.", "A", { extra: ["+bufsize=512", "+ignore"] }),
  q("many.conf.test.", "A", { extra: ["+bufsize=1232", "+ignore"] }),
  q("many.conf.test.", "A", { tcp: true }),
  q("www.conf.test.", "A", { extra: ["+edns=1", "+noednsnegotiation"] }),
  q("www.conf.test.", "A", { extra: ["+ednsopt=65001:abcdef"] }),
  q("www.conf.test.", "A", { extra: ["+noedns"] }),
  q("www.conf.test.", "A", { extra: ["+cd", "+rec"] }),
];

/** Queries of a signed zone, each with and without the DO bit. */
function signedQueries(z: string): CorpusQuery[] {
  const base = [
    q(`www.${z}`, "A"),
    q(`www.${z}`, "AAAA"),
    q(`nope.${z}`, "A"),
    q(`b.${z}`, "A"),
    q(`x.b.${z}`, "A"),
    q(z, "SOA"),
    q(z, "DNSKEY"),
    q(z, "MX"),
    q(z, "NSEC3PARAM"),
    q(`foo.wild.${z}`, "A"),
    q(`a.b.wild.${z}`, "A"),
    q(`foo.wild.${z}`, "TXT"),
    q(`wild.${z}`, "A"),
    q(`alias.${z}`, "A"),
    q(`foo.cw.${z}`, "A"),
    q(`secure.${z}`, "A"),
    q(`www.secure.${z}`, "A"),
    q(`secure.${z}`, "DS"),
    q(`insecure.${z}`, "A"),
    q(`insecure.${z}`, "DS"),
    q(`ns.secure.${z}`, "A"),
  ];
  return base.flatMap((query) => [query, { ...query, dnssec: true }]);
}

/** Every query of the conformance test. */
export const CORPUS_QUERIES: CorpusQuery[] = [...UNSIGNED, ...signedQueries("nsec.test."), ...signedQueries("nsec3.test.")];
