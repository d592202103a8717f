/* report_html.c — one self-contained HTML page: inline CSS and JS, no external URL of
 * any kind (a Content-Security-Policy of default-src 'none' makes the browser refuse
 * one even if it crept in). The run is embedded once, as the JSON report, in a
 * <script type="application/json"> block with '<', '>' and '&' written as \u003c,
 * \u003e, \u0026 — so no string from the network can close the block — and the page's
 * script renders everything from it with textContent only: hostile text stays text.
 *
 * What the page shows: summary counts (#count-ok, #count-fail, ... with data-count),
 * the verdict, the paths, a matrix of endpoints x paths coloured by status, and on a
 * click (or with #rN in the URL) the details of result N: error, Windows error,
 * remediation, timings, DNS, proxy, HTTP, TLS chain, pinning, interception, CRLs,
 * SSLOptions. */
#include "report/report.h"

#include <stdlib.h>
#include <string.h>

#include "report/report_util.h"

static const char PAGE_HEAD[] =
    "<!DOCTYPE html>\n"
    "<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
    "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<title>tlspath report</title>\n<style>\n"
    "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#1b1b1b;background:#fafafa}\n"
    "h1{font-size:1.4em;margin:0 0 .2em}h2{font-size:1.15em;margin:1.2em 0 .4em}\n"
    "h3{font-size:1em;margin:1em 0 .3em}\n"
    "#meta{color:#555;margin:0 0 1em}\n"
    "#summary{display:flex;flex-wrap:wrap;gap:.6em;margin-bottom:1em}\n"
    ".count{background:#fff;border:1px solid #ddd;border-radius:6px;padding:.4em .9em;min-width:5em}\n"
    ".count span:first-child{display:block;font-size:1.6em;font-weight:600}\n"
    ".count .label{color:#555}\n"
    ".c-ok span:first-child{color:#1a7f37}.c-warn span:first-child{color:#9a6700}\n"
    ".c-fail span:first-child,.c-required_failed span:first-child{color:#cf222e}\n"
    "#verdict{display:inline-block;font-weight:700;padding:.2em .8em;border-radius:4px;color:#fff}\n"
    "#verdict[data-verdict=pass]{background:#1a7f37}#verdict[data-verdict=fail]{background:#cf222e}\n"
    "table{border-collapse:collapse;background:#fff}\n"
    "th,td{border:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}\n"
    "th.service{background:#eef1f4;font-weight:600}\n"
    "td.cell{padding:0}\n"
    "button.mark{border:0;width:100%;padding:.3em .8em;font:inherit;font-weight:600;cursor:pointer}\n"
    ".st-ok{background:#dafbe1;color:#1a7f37}.st-warn{background:#fff8c5;color:#7d4e00}\n"
    ".st-fail{background:#ffebe9;color:#cf222e}.st-skipped{background:#eee;color:#666}\n"
    "button.selected{outline:3px solid #0969da;outline-offset:-3px}\n"
    ".req{font-size:.75em;color:#cf222e;margin-left:.4em}\n"
    "#details{margin-top:1.5em;background:#fff;border:1px solid #ddd;border-radius:6px;padding:.2em 1em 1em}\n"
    "#details[hidden]{display:none}\n"
    "dl{display:grid;grid-template-columns:max-content 1fr;gap:.15em 1em;margin:.3em 0}\n"
    "dt{color:#555}dd{margin:0;white-space:pre-wrap;word-break:break-all}\n"
    ".remediation{background:#ddf4ff;border-left:4px solid #0969da;padding:.4em .8em}\n"
    "ol.chain>li{margin-bottom:.6em}\n"
    "</style>\n</head>\n<body>\n"
    "<h1>tlspath report</h1>\n"
    "<p id=\"meta\"></p>\n"
    "<div id=\"summary\"></div>\n"
    "<p>Verdict: <span id=\"verdict\"></span></p>\n"
    "<h2>Paths</h2>\n<table id=\"paths\"></table>\n"
    "<h2>Endpoints &times; paths</h2>\n<p>Select a cell for its details.</p>\n"
    "<table id=\"matrix\"></table>\n"
    "<section id=\"details\" hidden></section>\n"
    "<noscript><p>This report renders with JavaScript; the data is in the "
    "tlspath-data block of this file.</p></noscript>\n";

static const char PAGE_SCRIPT[] =
    "<script>\n"
    "(function () {\n"
    "  'use strict';\n"
    "  var data = JSON.parse(document.getElementById('tlspath-data').textContent);\n"
    "  var MARK = {ok: 'OK', warn: 'WARN', fail: 'FAIL', skipped: 'SKIP'};\n"
    /* every node is built with createElement + textContent: never innerHTML */
    "  function el(tag, attrs, text) {\n"
    "    var e = document.createElement(tag);\n"
    "    for (var k in (attrs || {})) e.setAttribute(k, attrs[k]);\n"
    "    if (text !== undefined && text !== null) e.textContent = String(text);\n"
    "    return e;\n"
    "  }\n"
    "  function fmt(v) {\n"
    "    if (v === null || v === undefined) return '\\u2014';\n"
    "    if (Array.isArray(v)) return v.length ? v.join('\\n') : '\\u2014';\n"
    "    if (typeof v === 'boolean') return v ? 'yes' : 'no';\n"
    "    return String(v);\n"
    "  }\n"
    "  function kv(dl, key, value) {\n"
    "    dl.appendChild(el('dt', null, key));\n"
    "    dl.appendChild(el('dd', null, fmt(value)));\n"
    "  }\n"
    "  function section(parent, title) {\n"
    "    parent.appendChild(el('h3', null, title));\n"
    "    var dl = el('dl');\n"
    "    parent.appendChild(dl);\n"
    "    return dl;\n"
    "  }\n"
    "  function renderMeta() {\n"
    "    var t = data.tool || {};\n"
    "    document.getElementById('meta').textContent = (t.name || 'tlspath') + ' ' + (t.version || '') +\n"
    "      ' \\u2014 started ' + data.started_at + ', finished ' + data.finished_at +\n"
    "      ' (' + (data.duration_ms / 1000).toFixed(1) + ' s)' + (data.site ? ', site ' + data.site : '');\n"
    "  }\n"
    "  function renderSummary() {\n"
    "    var s = data.summary || {}, box = document.getElementById('summary');\n"
    "    ['probes', 'ok', 'warn', 'fail', 'skipped', 'required_failed'].forEach(function (k) {\n"
    "      var c = el('div', {'class': 'count c-' + k});\n"
    "      c.appendChild(el('span', {id: 'count-' + k, 'data-count': String(s[k])}, s[k]));\n"
    "      c.appendChild(el('span', {'class': 'label'}, k.replace('_', ' ')));\n"
    "      box.appendChild(c);\n"
    "    });\n"
    "    var v = document.getElementById('verdict');\n"
    "    v.setAttribute('data-verdict', s.verdict);\n"
    "    v.textContent = s.verdict === 'pass' ? 'PASS' : 'FAIL';\n"
    "  }\n"
    "  function renderPaths() {\n"
    "    var t = document.getElementById('paths'), head = el('tr');\n"
    "    ['path', 'type', 'proxy', 'auth', 'inspection expected', 'inspection observed', 'CRLs via',\n"
    "     'fallback'].forEach(function (h) { head.appendChild(el('th', null, h)); });\n"
    "    t.appendChild(head);\n"
    "    (data.paths || []).forEach(function (p) {\n"
    "      var tr = el('tr', {'data-path': p.id});\n"
    "      [p.id, p.type, p.proxy, p.auth, p.inspection_expected, p.inspection_observed, p.crl_via,\n"
    "       p.fallback].forEach(function (v) { tr.appendChild(el('td', null, fmt(v))); });\n"
    "      t.appendChild(tr);\n"
    "    });\n"
    "  }\n"
    /* the matrix: rows are endpoints grouped by service (order of first appearance),
     * columns are the configured paths plus any path only results mention */
    "  function renderMatrix() {\n"
    "    var results = data.results || [], pathIds = [], services = [], rows = Object.create(null);\n"
    "    (data.paths || []).forEach(function (p) { pathIds.push(p.id); });\n"
    "    results.forEach(function (r, i) {\n"
    "      if (pathIds.indexOf(r.path) < 0) pathIds.push(r.path);\n"
    "      var ep = r.endpoint || {id: '?', service: '?'};\n"
    "      var svc = ep.service || '?';\n"
    "      if (!(svc in rows)) { rows[svc] = {order: [], eps: Object.create(null)}; services.push(svc); }\n"
    "      var g = rows[svc];\n"
    "      if (!(ep.id in g.eps)) { g.eps[ep.id] = {ep: ep, cells: Object.create(null)}; g.order.push(ep.id); }\n"
    "      g.eps[ep.id].cells[r.path] = i;\n"
    "    });\n"
    "    var t = document.getElementById('matrix'), head = el('tr');\n"
    "    head.appendChild(el('th', null, 'endpoint'));\n"
    "    pathIds.forEach(function (p) { head.appendChild(el('th', {scope: 'col'}, p)); });\n"
    "    t.appendChild(head);\n"
    "    services.forEach(function (svc) {\n"
    "      var sr = el('tr');\n"
    "      sr.appendChild(el('th', {'class': 'service', colspan: String(pathIds.length + 1)}, svc));\n"
    "      t.appendChild(sr);\n"
    "      rows[svc].order.forEach(function (id) {\n"
    "        var row = rows[svc].eps[id], tr = el('tr', {'data-endpoint': id});\n"
    "        var th = el('th', {scope: 'row'}, id);\n"
    "        if (row.ep.required) th.appendChild(el('span', {'class': 'req'}, 'required'));\n"
    "        tr.appendChild(th);\n"
    "        pathIds.forEach(function (p) {\n"
    "          var td = el('td', {'class': 'cell'});\n"
    "          var i = row.cells[p];\n"
    "          if (i === undefined) { td.textContent = '\\u2014'; tr.appendChild(td); return; }\n"
    "          var st = results[i].status;\n"
    "          var b = el('button', {type: 'button', 'class': 'mark st-' + st, 'data-status': st,\n"
    "                               'data-result': String(i), title: id + ' via ' + p}, MARK[st] || st);\n"
    "          b.addEventListener('click', function () { showDetails(i); });\n"
    "          td.appendChild(b);\n"
    "          tr.appendChild(td);\n"
    "        });\n"
    "        t.appendChild(tr);\n"
    "      });\n"
    "    });\n"
    "  }\n"
    "  function renderChain(d, tls) {\n"
    "    d.appendChild(el('h3', null, 'Certificate chain (leaf first)'));\n"
    "    var ol = el('ol', {'class': 'chain'});\n"
    "    (tls.chain || []).forEach(function (c) {\n"
    "      var li = el('li'), dl = el('dl');\n"
    "      kv(dl, 'subject', c.subject); kv(dl, 'issuer', c.issuer); kv(dl, 'serial', c.serial);\n"
    "      kv(dl, 'valid', fmt(c.not_before) + ' \\u2192 ' + fmt(c.not_after));\n"
    "      kv(dl, 'SPKI SHA-256', c.spki_sha256); kv(dl, 'CRL URLs', c.crl_urls);\n"
    "      kv(dl, 'OCSP', c.ocsp_urls); kv(dl, 'CA issuers', c.ca_issuers);\n"
    "      li.appendChild(dl); ol.appendChild(li);\n"
    "    });\n"
    "    d.appendChild(ol);\n"
    "  }\n"
    "  function renderCrls(d, rev) {\n"
    "    if (!rev.crls || !rev.crls.length) return;\n"
    "    var t = el('table', {'class': 'crls'}), head = el('tr');\n"
    "    ['CRL', 'through path', 'HTTP', 'fetched', 'error'].forEach(function (h) { head.appendChild(el('th', null, h)); });\n"
    "    t.appendChild(head);\n"
    "    rev.crls.forEach(function (c) {\n"
    "      var tr = el('tr');\n"
    "      [c.url, c.path, c.http_status || '\\u2014', c.fetched, c.error].forEach(function (v) { tr.appendChild(el('td', null, fmt(v))); });\n"
    "      t.appendChild(tr);\n"
    "    });\n"
    "    d.appendChild(t);\n"
    "  }\n"
    "  function showDetails(i) {\n"
    "    var r = (data.results || [])[i];\n"
    "    if (!r) return;\n"
    "    var prev = document.querySelectorAll('button.selected');\n"
    "    for (var k = 0; k < prev.length; k++) prev[k].classList.remove('selected');\n"
    "    var b = document.querySelector('button[data-result=\"' + i + '\"]');\n"
    "    if (b) b.classList.add('selected');\n"
    "    var d = document.getElementById('details');\n"
    "    while (d.firstChild) d.removeChild(d.firstChild);\n"
    "    d.hidden = false;\n"
    "    d.setAttribute('data-result', String(i));\n"
    "    var ep = r.endpoint || {};\n"
    "    d.appendChild(el('h2', null, ep.id + ' via ' + r.path + ' \\u2014 ' + (MARK[r.status] || r.status)));\n"
    "    if (r.remediation) d.appendChild(el('p', {'class': 'remediation'}, r.remediation));\n"
    "    var dl = section(d, 'Outcome');\n"
    "    kv(dl, 'URL', ep.url); kv(dl, 'service', ep.service); kv(dl, 'required', ep.required);\n"
    "    kv(dl, 'geography', ep.geography); kv(dl, 'status', r.status); kv(dl, 'last phase', r.phase);\n"
    "    if (r.used_path) kv(dl, 'fell back to path', r.used_path);\n"
    "    kv(dl, 'error', r.error ? r.error.code + ': ' + r.error.message : null);\n"
    "    kv(dl, 'Windows error', r.windows_error);\n"
    "    dl = section(d, 'Timings (ms)');\n"
    "    var tm = r.timings_ms || {};\n"
    "    ['dns', 'connect', 'proxy', 'tls', 'http', 'revocation', 'total'].forEach(function (k) { kv(dl, k, tm[k]); });\n"
    "    if (r.ssloptions) {\n"
    "      dl = section(d, 'SSLOptions (what a device would get)');\n"
    "      var desc = {'3': 'pinning + revocation', '2': 'pinning, no revocation', '1': 'revocation, no pinning', '0': 'neither'};\n"
    "      ['3', '2', '1', '0'].forEach(function (m) { kv(dl, m + ' (' + desc[m] + ')', r.ssloptions[m]); });\n"
    "    }\n"
    "    if (r.dns) {\n"
    "      dl = section(d, 'DNS');\n"
    "      kv(dl, 'resolver', r.dns.resolver); kv(dl, 'addresses', r.dns.addresses); kv(dl, 'CNAMEs', r.dns.cnames);\n"
    "    }\n"
    "    if (r.proxy) {\n"
    "      dl = section(d, 'Proxy');\n"
    "      kv(dl, 'CONNECT status', r.proxy.status); kv(dl, 'auth schemes', r.proxy.auth_schemes);\n"
    "    }\n"
    "    if (r.http) {\n"
    "      dl = section(d, 'HTTP');\n"
    "      kv(dl, 'status', r.http.status); kv(dl, 'expected', (r.http.expected || []).join(', ')); kv(dl, 'as expected', r.http.ok);\n"
    "    }\n"
    "    if (r.tls) {\n"
    "      dl = section(d, 'TLS');\n"
    "      kv(dl, 'version', r.tls.version); kv(dl, 'cipher', r.tls.cipher); kv(dl, 'trusted', r.tls.trusted);\n"
    "      kv(dl, 'hostname matches', r.tls.hostname_ok); kv(dl, 'expired', r.tls.expired);\n"
    "      kv(dl, 'verify flags', '0x' + (r.tls.verify_flags >>> 0).toString(16));\n"
    "      renderChain(d, r.tls);\n"
    "    }\n"
    "    dl = section(d, 'Pinning and interception');\n"
    "    kv(dl, 'pin set', r.pinning ? r.pinning.pinset : null);\n"
    "    kv(dl, 'pin matched', r.pinning ? r.pinning.matched : null);\n"
    "    kv(dl, 'interception', r.interception ? r.interception.detected : null);\n"
    "    kv(dl, 're-signing CA', r.interception ? r.interception.issuer : null);\n"
    "    var rev = r.revocation || {};\n"
    "    dl = section(d, 'Revocation');\n"
    "    kv(dl, 'status', rev.status); kv(dl, 'reason', rev.reason);\n"
    "    renderCrls(d, rev);\n"
    "  }\n"
    "  renderMeta();\n"
    "  renderSummary();\n"
    "  renderPaths();\n"
    "  renderMatrix();\n"
    "  var m = /^#r([0-9]+)$/.exec(location.hash);\n"
    "  if (m) showDetails(Number(m[1]));\n"
    "})();\n"
    "</script>\n"
    "</body>\n</html>\n";

/* Writes JSON text so that it is inert inside an HTML <script> element: '<', '>' and
 * '&' only ever occur inside JSON strings, where \u escapes mean the same thing. */
static void put_script_json(FILE *out, const char *json)
{
    for (const char *p = json; *p; p++) {
        switch (*p) {
        case '<': fputs("\\u003c", out); break;
        case '>': fputs("\\u003e", out); break;
        case '&': fputs("\\u0026", out); break;
        default: fputc(*p, out); break;
        }
    }
}

int tp_report_html(const tp_run *run, FILE *out)
{
    cJSON *doc = tp_report_json_build(run);
    if (!doc)
        return -1;
    char *json = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    if (!json)
        return -1;
    fputs(PAGE_HEAD, out);
    fputs("<script type=\"application/json\" id=\"tlspath-data\">", out);
    put_script_json(out, json);
    fputs("</script>\n", out);
    fputs(PAGE_SCRIPT, out);
    cJSON_free(json);
    return ferror(out) ? -1 : 0;
}
