/// The console's style sheet and script, served from the binary: no build step, no third-party asset.
enum ConsoleAssets {
    /// Light and dark themes follow the system (`prefers-color-scheme`); text meets WCAG AA contrast in both, and
    /// every focusable element shows where the focus is.
    static let css = #"""
        :root {
          color-scheme: light dark;
          --bg: #ffffff; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --panel: #f6f8fa; --accent: #0550ae;
          --good: #116329; --bad: #a40e26; --warn: #7d4e00; --track: #e6e9ed;
          --completed: #1a7f37; --failed: #cf222e; --cancelled: #8c959f; --in_process: #0969da; --enqueued: #54aeff;
          --claimed: #8250df; --created: #d0d7de;
          --lane0: #0969da; --lane1: #8250df; --lane2: #bf3989; --lane3: #1a7f37; --lane4: #9a6700; --lane5: #57606a;
        }
        @media (prefers-color-scheme: dark) {
          :root {
            --bg: #0d1117; --fg: #e6edf3; --muted: #9da7b3; --line: #30363d; --panel: #161b22; --accent: #58a6ff;
            --good: #3fb950; --bad: #ff7b72; --warn: #d29922; --track: #21262d;
            --completed: #2ea043; --failed: #f85149; --cancelled: #6e7681; --in_process: #388bfd; --enqueued: #79c0ff;
            --claimed: #a371f7; --created: #484f58;
            --lane0: #58a6ff; --lane1: #bc8cff; --lane2: #ff7bb3; --lane3: #56d364; --lane4: #e3b341; --lane5: #9da7b3;
          }
        }
        * { box-sizing: border-box; }
        body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
        a { color: var(--accent); }
        a:focus-visible, button:focus-visible, summary:focus-visible, input:focus-visible, select:focus-visible, main:focus-visible {
          outline: 3px solid var(--accent); outline-offset: 2px;
        }
        .skip { position: absolute; left: -999px; } .skip:focus { left: 8px; top: 8px; background: var(--bg); padding: 4px 8px; z-index: 2; }
        .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
        header.top { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; justify-content: space-between;
          padding: 10px 24px; border-bottom: 1px solid var(--line); background: var(--panel); }
        header.top nav { display: flex; flex-wrap: wrap; gap: 16px; align-items: center; }
        header.top nav a { text-decoration: none; color: var(--fg); padding: 2px 0; }
        header.top nav a[aria-current="page"] { border-bottom: 2px solid var(--accent); font-weight: 600; }
        .brand { font-weight: 700; letter-spacing: 0.02em; }
        .env { font-family: ui-monospace, monospace; background: var(--bg); border: 1px solid var(--line); border-radius: 4px; padding: 0 6px; }
        .session { display: flex; gap: 8px; align-items: center; }
        .role { font-size: 12px; color: var(--muted); border: 1px solid var(--line); border-radius: 10px; padding: 0 6px; }
        main { padding: 16px 24px 48px; max-width: 1400px; }
        h1 { font-size: 22px; margin: 8px 0 16px; } h2 { font-size: 18px; margin: 24px 0 8px; } h3 { font-size: 16px; margin: 0; }
        .section-head { display: flex; flex-wrap: wrap; gap: 12px; align-items: baseline; }
        .section-head .links { margin: 0; }
        .pipelines { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 16px; }
        .pipeline { border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; background: var(--panel); }
        .pipeline header { display: flex; justify-content: space-between; align-items: baseline; gap: 8px; margin-bottom: 8px; }
        .dataset, .muted, .updated { color: var(--muted); font-size: 13px; }
        .bar { width: 100%; height: 12px; border-radius: 6px; display: block; }
        .bar-track { fill: var(--track); }
        .bar-completed { fill: var(--completed); } .bar-failed { fill: var(--failed); } .bar-cancelled { fill: var(--cancelled); }
        .bar-in_process { fill: var(--in_process); } .bar-enqueued { fill: var(--enqueued); } .bar-claimed { fill: var(--claimed); }
        .bar-created { fill: var(--created); }
        .figures { margin: 8px 0; }
        ul.counts, ul.conditions, ul.lanes { list-style: none; padding: 0; margin: 6px 0; display: flex; flex-wrap: wrap; gap: 6px 12px; }
        ul.counts a { text-decoration: none; color: var(--fg); }
        .state { display: inline-block; font-size: 12px; border-radius: 10px; padding: 0 8px; border: 1px solid var(--line); white-space: nowrap; }
        .state-completed { color: var(--good); border-color: var(--good); }
        .state-failed { color: var(--bad); border-color: var(--bad); font-weight: 600; }
        .state-in_process, .state-enqueued, .state-claimed { color: var(--accent); border-color: var(--accent); }
        table.timeline td:nth-child(-n+4) { white-space: nowrap; }
        .condition { font-size: 13px; } .condition-reason { color: var(--muted); } .condition-type { font-weight: 600; }
        .condition-good .condition-type::before { content: "● "; color: var(--good); }
        .condition-bad .condition-type::before { content: "▲ "; color: var(--bad); }
        .condition-off { color: var(--muted); }
        .paused { color: var(--warn); }
        table { border-collapse: collapse; width: 100%; margin: 8px 0 16px; font-size: 14px; }
        caption { text-align: left; font-weight: 600; padding: 4px 0; }
        th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { font-weight: 600; color: var(--muted); font-size: 13px; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        td.warn { color: var(--warn); font-weight: 600; }
        td.text { white-space: pre-wrap; max-width: 40ch; }
        .mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 13px; }
        .error-text { color: var(--bad); }
        tr.failed-step { background: color-mix(in srgb, var(--failed) 8%, transparent); }
        .lane { font-family: ui-monospace, monospace; font-size: 12px; border-left: 4px solid var(--lane0); padding-left: 6px; }
        .lane-1 { border-color: var(--lane1); } .lane-2 { border-color: var(--lane2); } .lane-3 { border-color: var(--lane3); }
        .lane-4 { border-color: var(--lane4); } .lane-5 { border-color: var(--lane5); }
        dl.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(180px, 1fr)); gap: 8px 16px; margin: 0 0 12px; }
        dl.facts dt { color: var(--muted); font-size: 13px; } dl.facts dd { margin: 0; overflow-wrap: anywhere; }
        form.filters { display: flex; flex-wrap: wrap; gap: 10px 16px; align-items: end; padding: 12px; background: var(--panel);
          border: 1px solid var(--line); border-radius: 8px; }
        form.filters label { display: flex; flex-direction: column; font-size: 13px; color: var(--muted); gap: 2px; }
        input, select { font: inherit; color: var(--fg); background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 4px 8px; }
        .button, button { font: inherit; cursor: pointer; border: 1px solid var(--accent); color: var(--accent); background: var(--bg);
          border-radius: 6px; padding: 4px 12px; text-decoration: none; display: inline-block; }
        .button.danger, button.danger { border-color: var(--bad); color: var(--bad); }
        button.link { border: none; padding: 0; color: var(--accent); text-decoration: underline; background: none; }
        form.inline { display: inline-flex; gap: 8px; align-items: center; margin: 0; }
        .actions { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 8px; }
        details.action > summary { list-style: none; } details.action > summary::-webkit-details-marker { display: none; }
        details.action[open] { flex-basis: 100%; }
        details.action form { margin-top: 8px; padding: 10px; border: 1px solid var(--line); border-radius: 6px; background: var(--bg);
          display: flex; flex-direction: column; gap: 6px; max-width: 480px; }
        details.record, details.result { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; margin: 8px 0; }
        details.record summary, details.result summary { cursor: pointer; }
        .phase { font-weight: 600; }
        .pass { color: var(--good); font-weight: 600; } .fail { color: var(--bad); font-weight: 600; }
        form.sign-in { display: flex; flex-direction: column; gap: 8px; max-width: 420px; }
        .pager { display: flex; gap: 16px; align-items: center; margin: 8px 0; }
        .empty { color: var(--muted); }
        .instance-live { color: var(--good); } .instance-dead { color: var(--bad); font-weight: 600; } .instance-stopped { color: var(--muted); }
        """#

    /// The tab's icon: a progress bar, two thirds done.
    static let icon = #"""
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#0969da"/><rect x="5" y="13" width="22" height="6" rx="3" fill="#ffffff" opacity="0.4"/><rect x="5" y="13" width="15" height="6" rx="3" fill="#ffffff"/></svg>
        """#

    /// Live regions: a page with `data-live` re-reads its content every two seconds while it is shown, and leaves it
    /// alone while the reader is in a form inside it (an open confirmation keeps its reason). The environment
    /// picker navigates on change.
    static let script = #"""
        "use strict";
        (function () {
          document.querySelectorAll("select[data-navigate]").forEach(function (select) {
            select.addEventListener("change", function () { window.location.href = select.value; });
          });
          var region = document.querySelector("[data-live]");
          if (!region) return;
          var url = region.getAttribute("data-live");
          var note = document.querySelector("[data-updated]");
          var busy = false;
          function say(text) { if (note) note.textContent = text; }
          function refresh() {
            if (busy || document.visibilityState !== "visible") return;
            if (region.querySelector("details[open]")) return;
            var active = document.activeElement;
            if (active && region.contains(active) && /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName)) return;
            busy = true;
            fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" }, redirect: "manual" })
              .then(function (response) {
                if (response.status === 200) {
                  return response.text().then(function (html) {
                    region.innerHTML = html;
                    say("Updated " + new Date().toLocaleTimeString());
                  });
                }
                say(response.type === "opaqueredirect" ? "Signed out: reload to sign in." : "Not updated: HTTP " + response.status);
              })
              .catch(function () { say("Server not reachable; retrying."); })
              .then(function () { busy = false; });
          }
          setInterval(refresh, 2000);
        })();
        """#
}
