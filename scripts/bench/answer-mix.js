// The zone and query mix shared by the answer benchmarks (answer-qps, answer-loop).
"use strict";

const ORIGIN = "bench.test.";
const HOSTS = 10000;

/** The benchmark zone: SOA, NS, a wildcard, a CNAME, a delegation with glue and HOSTS A records. */
function zoneText() {
  const lines = [
    `${ORIGIN} 3600 IN SOA ns1.${ORIGIN} hostmaster.${ORIGIN} 1 7200 3600 1209600 300`,
    `${ORIGIN} 3600 IN NS ns1.${ORIGIN}`,
    `ns1.${ORIGIN} 3600 IN A 192.0.2.1`,
    `*.wild.${ORIGIN} 300 IN A 192.0.2.30`,
    `alias.${ORIGIN} 300 IN CNAME h1.${ORIGIN}`,
    `sub.${ORIGIN} 3600 IN NS ns.sub.${ORIGIN}`,
    `ns.sub.${ORIGIN} 3600 IN A 192.0.2.53`,
  ];
  for (let i = 0; i < HOSTS; i++) lines.push(`h${i}.${ORIGIN} 300 IN A 10.0.${(i >> 8) & 255}.${i & 255}`);
  return lines.join("\n") + "\n";
}

/** The query mix as [name, type]: 50% hits, 10% each NXDOMAIN, NODATA, wildcard, CNAME, referral. */
function queryList() {
  const out = [];
  for (let i = 0; i < 1000; i++) {
    const h = `h${(i * 7919) % HOSTS}.${ORIGIN}`;
    const kind = i % 10;
    if (kind < 5) out.push([h, "A"]);
    else if (kind === 5) out.push([`nx${i}.${ORIGIN}`, "A"]);
    else if (kind === 6) out.push([h, "AAAA"]);
    else if (kind === 7) out.push([`w${i}.wild.${ORIGIN}`, "A"]);
    else if (kind === 8) out.push([`alias.${ORIGIN}`, "A"]);
    else out.push([`www${i}.sub.${ORIGIN}`, "A"]);
  }
  return out;
}

module.exports = { ORIGIN, HOSTS, zoneText, queryList };
