/**
 * The live page (docs/live.md): one self-contained HTML document, no external resources. Its script polls
 * /live.json once a second (each request bounded by a timeout) and draws the phase timeline, per op
 * throughput and p99 latency per second (inline SVG), the op totals, the agents and the members. Every
 * name from the run goes in as text, never as markup.
 */
export const LIVE_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>etcdlab live</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.2em;color:#222;background:#fff}
h1{font-size:1.3em;margin:0 0 .3em}h2{font-size:1.05em;margin:1.2em 0 .4em}
.muted{color:#777}.big{font-size:1.8em;font-weight:600}
table{border-collapse:collapse}td,th{padding:2px 10px;border-bottom:1px solid #eee;text-align:right}th:first-child,td:first-child{text-align:left}
#timeline{display:flex;gap:3px;flex-wrap:wrap}
.ph{padding:4px 8px;border-radius:4px;cursor:pointer;background:#eee}
.ph.running{background:#cde4ff;font-weight:600}.ph.completed{background:#d6f5d6}.ph.interrupted,.ph.incomplete,.ph.failed{background:#ffd6d6}.ph.shown{outline:2px solid #333}
.charts{display:flex;gap:16px;flex-wrap:wrap}svg{background:#fafafa;border:1px solid #eee}
.legend span{margin-right:12px}.sw{display:inline-block;width:10px;height:10px;margin-right:4px}
.bad{color:#b00}
</style></head><body>
<h1>etcdlab live <span id="run" class="muted"></span></h1>
<div id="status" class="muted">connecting ...</div>
<h2>Phases</h2><div id="timeline"></div>
<h2>Phase <span id="shown"></span></h2>
<div><span class="big" id="throughput">-</span> ops/s <span class="muted">(latest second, every op)</span> &nbsp; <span id="errors" class="muted"></span></div>
<div class="charts">
<div><div class="muted">throughput per op (ops/s)</div><svg id="chart-rate" width="520" height="200"></svg></div>
<div><div class="muted">p99 latency per op (ms)</div><svg id="chart-p99" width="520" height="200"></svg></div>
</div>
<div class="legend" id="legend"></div>
<table id="ops"><thead><tr><th>op</th><th>ok/s</th><th>errors/s</th><th>p50 ms</th><th>p99 ms</th><th>max ms</th></tr></thead><tbody></tbody></table>
<h2>Agents <span id="agentcount" class="muted"></span></h2>
<table id="agents"><thead><tr><th>agent</th><th>role</th><th>host</th><th>connected</th><th>clock offset ms</th></tr></thead><tbody></tbody></table>
<h2>etcd members</h2>
<table id="members"><thead><tr><th>member</th><th>scrape</th><th>leader</th><th>db MiB</th></tr></thead><tbody></tbody></table>
<script>
"use strict";
const COLORS = ["#1f77b4","#ff7f0e","#2ca02c","#d62728","#9467bd","#8c564b","#e377c2","#7f7f7f","#bcbd22","#17becf"];
let chosen = null;
const $ = (id) => document.getElementById(id);
const fmt = (v, d) => v === undefined || v === null ? "-" : Number(v).toLocaleString("en-US", { maximumFractionDigits: d === undefined ? 0 : d });
function el(tag, text, cls) { const e = document.createElement(tag); if (text !== undefined) e.textContent = String(text); if (cls) e.className = cls; return e; }
function row(cells) { const tr = el("tr"); for (const c of cells) tr.appendChild(el("td", c)); return tr; }
function fill(id, rows) { const tb = $(id).querySelector("tbody"); tb.replaceChildren(...rows.map(row)); }
const NS = "http://www.w3.org/2000/svg";
function svgEl(tag, attrs) { const e = document.createElementNS(NS, tag); for (const k in attrs) e.setAttribute(k, attrs[k]); return e; }
function chart(id, ops, col) {
  const svg = $(id); const W = +svg.getAttribute("width"), H = +svg.getAttribute("height"), L = 50, B = 20;
  svg.replaceChildren();
  let tMax = 1, yMax = 0;
  ops.forEach(([, pts]) => pts.forEach((p) => { tMax = Math.max(tMax, p[0] + 1); yMax = Math.max(yMax, p[col]); }));
  yMax = yMax > 0 ? yMax * 1.1 : 1;
  const x = (t) => L + (t / tMax) * (W - L - 8), y = (v) => H - B - (v / yMax) * (H - B - 8);
  svg.appendChild(svgEl("line", { x1: L, y1: H - B, x2: W - 8, y2: H - B, stroke: "#999" }));
  for (let k = 0; k <= 4; k++) { const v = (yMax * k) / 4; const t = svgEl("text", { x: L - 4, y: y(v) + 4, "text-anchor": "end", "font-size": 10, fill: "#666" }); t.textContent = fmt(v, v < 10 ? 2 : 0); svg.appendChild(t); }
  const tl = svgEl("text", { x: W - 8, y: H - 4, "text-anchor": "end", "font-size": 10, fill: "#666" }); tl.textContent = fmt(tMax) + " s"; svg.appendChild(tl);
  ops.forEach(([, pts], i) => { if (!pts.length) return; svg.appendChild(svgEl("polyline", { fill: "none", stroke: COLORS[i % COLORS.length], "stroke-width": 1.6, points: pts.map((p) => x(p[0] + 0.5) + "," + y(p[col])).join(" ") })); });
}
function draw(d) {
  $("run").textContent = d.runId + " · " + d.workload;
  $("status").textContent = (d.running ? "running " + d.running : "between phases") + " · updated " + new Date(d.nowMs).toLocaleTimeString();
  const tl = $("timeline"); tl.replaceChildren();
  for (const p of d.phases) {
    const b = el("span", p.name + " · " + p.state + (p.count ? " · " + fmt(p.count) + " ok" : "") + (p.errors ? ", " + fmt(p.errors) + " err" : ""), "ph " + p.state + (d.series && d.series.phase === p.name ? " shown" : ""));
    b.onclick = () => { chosen = p.state === "pending" ? null : p.name; poll(); };
    tl.appendChild(b);
  }
  const s = d.series;
  $("shown").textContent = s ? s.phase : "(none yet)";
  $("throughput").textContent = s && s.latest ? fmt(s.latest.okPerSec) : "-";
  $("errors").textContent = s && s.latest && s.latest.errorsPerSec ? fmt(s.latest.errorsPerSec) + " errors/s" : "";
  $("errors").className = s && s.latest && s.latest.errorsPerSec ? "bad" : "muted";
  const ops = s ? Object.entries(s.ops) : [];
  chart("chart-rate", ops, 1); chart("chart-p99", ops, 4);
  const lg = $("legend"); lg.replaceChildren();
  ops.forEach(([op], i) => { const sp = el("span"); const sw = el("span", undefined, "sw"); sw.style.background = COLORS[i % COLORS.length]; sp.append(sw, document.createTextNode(op)); lg.appendChild(sp); });
  fill("ops", ops.map(([op, pts]) => { const p = pts[pts.length - 1] || []; return [op, fmt(p[1]), fmt(p[2]), fmt(p[3], 2), fmt(p[4], 2), fmt(p[5], 2)]; }));
  $("agentcount").textContent = d.agentsConnected + "/" + d.agentsExpected + " connected";
  fill("agents", d.agents.map((a) => [a.agentId, a.role, a.host, a.connected ? "yes" : "NO", a.clockOffsetMs === undefined ? "-" : fmt(a.clockOffsetMs, 2) + " ± " + fmt(a.clockRttMs / 2, 2)]));
  fill("members", d.members.map((m) => [m.member, m.up ? "ok" : "DOWN", m.isLeader ? "leader" : m.hasLeader === false ? "NO LEADER" : "follower", m.dbBytes === undefined ? "-" : fmt(m.dbBytes / 1048576, 1)]));
}
let busy = false;
async function poll() {
  if (busy) return; busy = true;
  const ctrl = new AbortController(); const timer = setTimeout(() => ctrl.abort(), 3000);
  try {
    const r = await fetch("live.json" + (chosen ? "?phase=" + encodeURIComponent(chosen) : ""), { signal: ctrl.signal, cache: "no-store" });
    if (r.ok) draw(await r.json()); else $("status").textContent = "live.json: HTTP " + r.status;
  } catch (e) { $("status").textContent = "the run is not answering (ended?): " + e.message; }
  finally { clearTimeout(timer); busy = false; }
}
poll(); setInterval(poll, 1000);
</script></body></html>
`;
