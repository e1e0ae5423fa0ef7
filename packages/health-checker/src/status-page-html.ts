// The status page itself: one self-contained HTML document (inline CSS and a little JS, no framework, no outside requests).

/** Seconds between the page's refreshes. */
export const STATUS_PAGE_REFRESH_S = 2;

/**
 * The HTML of the status page. Its script fetches `status/page.json` (relative, so the page also works
 * behind a path prefix) every {@link STATUS_PAGE_REFRESH_S} seconds and renders it with textContent only.
 */
export const STATUS_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pdns-distribute status</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #1d1d1f; background: #fafafa; }
  h1 { font-size: 1.4em; margin: 0 0 .2em; }
  h2 { font-size: 1.1em; margin: 1.6em 0 .5em; }
  .meta { color: #666; }
  table { border-collapse: collapse; background: #fff; }
  th, td { border: 1px solid #ddd; padding: .3em .6em; text-align: left; white-space: nowrap; }
  th { background: #f0f0f3; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; }
  .badge { display: inline-block; padding: 0 .5em; border-radius: .6em; font-size: .9em; }
  .active { background: #d8f5dc; color: #17622a; }
  .inactive { background: #e6e6e6; color: #555; }
  tr.inactive-row td { color: #888; }
  td.insync { background: #e7f7ea; }
  td.outdated, td.missing { background: #ffd9d6; color: #8a1c13; font-weight: 600; }
  td.unknown { background: #f3f3f3; color: #999; }
  td.off { opacity: .45; }
  .INSYNC { background: #d8f5dc; color: #17622a; }
  .PENDING { background: #fff1c2; color: #7a5a00; }
  #error { color: #8a1c13; }
</style>
</head>
<body>
<h1>pdns-distribute status</h1>
<div class="meta" id="meta">loading…</div>
<div id="error"></div>

<h2>Secondaries</h2>
<table id="secondaries">
  <thead><tr><th>Secondary</th><th>State</th><th>Last heartbeat</th><th>Zones</th><th>Version</th><th>DNS</th></tr></thead>
  <tbody></tbody>
</table>

<h2>Zones × secondaries</h2>
<div class="meta" id="zones-meta"></div>
<table id="zones"><thead></thead><tbody></tbody></table>

<h2>Recent changes</h2>
<table id="changes">
  <thead><tr><th>Time</th><th>Zone</th><th>Change</th><th>Serial</th><th>Status</th><th>Propagation</th><th>Secondaries in sync</th></tr></thead>
  <tbody></tbody>
</table>

<script>
"use strict";
const REFRESH_MS = ${STATUS_PAGE_REFRESH_S * 1000};
function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}
function ago(iso, now) {
  if (!iso) return "never";
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  return s < 120 ? s + " s ago" : Math.round(s / 60) + " min ago";
}
function ms(v) { return v === null || v === undefined ? "…" : v < 1000 ? v + " ms" : (v / 1000).toFixed(1) + " s"; }
function fill(tbody, rows) { tbody.replaceChildren(...rows); }

function render(d) {
  const now = Date.parse(d.time);
  document.getElementById("meta").textContent =
    "checker " + d.checker + (d.leader ? " (acting)" : " (stand-by)") + " · updated " + new Date(d.time).toLocaleTimeString() +
    " · zone serials read " + ago(d.snapshotTime, now) + " · refreshes every " + REFRESH_MS / 1000 + " s";
  document.getElementById("error").textContent = d.snapshotError ? "last read failed: " + d.snapshotError : "";

  fill(document.querySelector("#secondaries tbody"), d.secondaries.map((s) => {
    const tr = el("tr", null, s.active ? "" : "inactive-row");
    tr.dataset.secondary = s.id;
    tr.dataset.active = String(s.active);
    tr.append(el("td", s.id + (s.name && s.name !== s.id ? " (" + s.name + ")" : "")));
    const st = el("td"); st.append(el("span", s.active ? "active" : "inactive", "badge " + (s.active ? "active" : "inactive")));
    tr.append(st, el("td", ago(s.lastHeartbeat, now)), el("td", s.zoneCount, "num"), el("td", s.softwareVersion || "-"), el("td", s.dnsAddress || "-"));
    return tr;
  }));

  const head = el("tr");
  head.append(el("th", "Zone"), el("th", "Primary serial"));
  for (const s of d.secondaries) head.append(el("th", s.id + (s.active ? "" : " (inactive)")));
  document.querySelector("#zones thead").replaceChildren(head);
  fill(document.querySelector("#zones tbody"), d.zones.rows.map((r) => {
    const tr = el("tr");
    tr.dataset.zone = r.zone;
    tr.append(el("td", r.zone), el("td", r.serial ?? "?", "num"));
    for (const s of d.secondaries) {
      const c = r.cells[s.id] || { serial: null, state: "unknown" };
      const label = c.state === "missing" ? "missing" : c.state === "unknown" ? "?" : c.serial + (c.state === "outdated" ? " (outdated)" : "");
      const td = el("td", label, c.state + (s.active ? "" : " off"));
      td.dataset.secondary = s.id;
      td.dataset.state = c.state;
      tr.append(td);
    }
    return tr;
  }));
  document.getElementById("zones-meta").textContent =
    d.zones.total + " zones, " + d.zones.outdatedZones + " outdated on an active secondary" +
    (d.zones.truncated ? " · showing " + d.zones.rows.length + " (outdated and recently changed first)" : "");

  fill(document.querySelector("#changes tbody"), d.changes.map((c) => {
    const tr = el("tr");
    tr.dataset.change = c.id;
    const st = el("td"); st.append(el("span", c.status, "badge " + c.status));
    const synced = c.secondaries.filter((s) => s.inSync).length + " / " + c.secondaries.length;
    tr.append(el("td", new Date(c.time).toLocaleTimeString()), el("td", c.zone), el("td", c.type.replace("zone.", "")),
      el("td", c.serial ?? "-", "num"), st, el("td", ms(c.propagationMs), "num"), el("td", synced));
    tr.title = c.id;
    return tr;
  }));
}

async function refresh() {
  try {
    const r = await fetch("status/page.json", { cache: "no-store" });
    if (!r.ok) throw new Error("HTTP " + r.status);
    render(await r.json());
    document.body.dataset.loaded = "true";
  } catch (e) {
    document.getElementById("error").textContent = "cannot reach the health-checker: " + e.message;
  } finally {
    setTimeout(refresh, REFRESH_MS);
  }
}
refresh();
</script>
</body>
</html>
`;
