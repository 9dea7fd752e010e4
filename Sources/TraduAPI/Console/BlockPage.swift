import Hummingbird
import TraduApp
import TraduCore

/// `/environments/{env}/blocks/{id}`: one block's whole path as a timeline across the instances that held it:
/// every state it went through, who moved it, when, the time between steps, errors and attempts; then its results.
/// Events come a page at a time (keyset on the event sequence), so a block with thousands of events stays usable.
enum BlockPage {
    static let eventsPerPage = 200
    static let recordsShown = 20

    static func render(frame: ConsoleFrame, service: OperatorService, id: String, query: Hummingbird.Parameters)
        async throws -> Response
    {
        var after: Int64 = 0
        if let text = query["eventsAfter"].map(String.init), !text.isEmpty {
            guard let value = Int64(text), value >= 0 else {
                throw Problem.badRequest("eventsAfter must be a non-negative integer, got '\(text)'")
            }
            after = value
        }
        let environment = service.environment
        guard let detail = try await service.blockDetail(id: id, eventsAfter: after, eventLimit: eventsPerPage) else {
            throw Problem.notFound("no block '\(id)' in \(environment)")
        }
        let block = detail["block"] ?? .object([])
        let events = detail["events"]?.arrayValue ?? []
        let here = frame.link(environment: environment, "blocks/\(ConsoleFrame.pathSegment(id))")
        let state = block["state"]?.stringValue ?? "?"

        var lanes: [String] = []
        for event in events {
            if let instance = event["instanceId"]?.stringValue, !lanes.contains(instance) { lanes.append(instance) }
        }
        var previous: Double?
        let rows: [HTML] = events.map { event in
            let at = event["at"]?.stringValue
            let seconds = at.flatMap(ConsoleFormat.seconds)
            let delta: HTML =
                if let seconds, let previous { "+\(ConsoleFormat.duration(seconds: max(0, seconds - previous)))" } else
                {
                    "—"
                }
            previous = seconds ?? previous
            let instance = event["instanceId"]?.stringValue
            let lane: HTML =
                instance.map { instance in
                    let index = (lanes.firstIndex(of: instance) ?? 0) % 6
                    return HTML("<span class=\"lane lane-\(index)\">\(instance)</span>")
                } ?? HTML("<span class=\"muted\">—</span>")
            var error: HTML = .empty
            if let message = event["error"]?.stringValue {
                error = "<div class=\"error-text\">\(event["errorClass"]?.stringValue ?? "error"): \(message)</div>"
            }
            let from = event["from"]?.stringValue.map { HTML("\(ConsoleFormat.state($0)) → ") } ?? HTML.empty
            let failed = event["to"]?.stringValue == "failed" || event["error"] != nil
            return """
                <tr\(failed ? HTML(" class=\"failed-step\"") : HTML.empty)><td class="num mono">\(ConsoleFormat.text(event["sequence"]))</td><td>\(ConsoleFormat.time(at))</td><td class="num">\(delta)</td>
                <td>\(from)\(ConsoleFormat.state(event["to"]?.stringValue ?? "?"))</td><td class="num">\(ConsoleFormat.text(event["attempt"]))</td>
                <td>\(lane)</td><td>\(event["reason"]?.stringValue ?? "")\(error)</td></tr>
                """
        }
        let pager: HTML = [
            after > 0 ? HTML("<a href=\"\(here)\">⇤ First events</a>") : HTML.empty,
            detail["nextEvent"]?.intValue.map { next in
                HTML(
                    "<a class=\"button\" rel=\"next\" href=\"\(here)?eventsAfter=\(next)\">Next \(eventsPerPage) events →</a>"
                )
            } ?? HTML.empty,
        ].joined(separator: " ")
        let lastError: HTML =
            block["lastError"]?.stringValue.map { message in
                HTML(
                    "<p class=\"error-text\"><strong>\(block["errorClass"]?.stringValue ?? "error")</strong>: \(message)</p>"
                )
            } ?? HTML.empty
        let blockPath = frame.link(environment: environment, "blocks/\(ConsoleFrame.pathSegment(id))")
        let actions: HTML = [
            ["failed", "cancelled"].contains(state)
                ? frame.action(
                    "Retry", to: blockPath + "/retry",
                    detail: "Run this block again with a fresh retry budget.") : HTML.empty,
            ["completed", "cancelled"].contains(state)
                ? HTML.empty
                : frame.action(
                    "Cancel", to: blockPath + "/cancel",
                    detail: "Stop this block. A worker holding it stops at its next heartbeat.", danger: true),
        ].joined()
        let summary: HTML = """
            <dl class="facts">
            <div><dt>Block</dt><dd class="mono">\(id)</dd></div>
            <div><dt>Pipeline</dt><dd>\(ConsoleFormat.text(block["pipeline"]))</dd></div>
            <div><dt>Language</dt><dd>\(ConsoleFormat.text(block["targetLanguage"]))</dd></div>
            <div><dt>State</dt><dd>\(ConsoleFormat.state(state))</dd></div>
            <div><dt>Attempts used</dt><dd>\(ConsoleFormat.text(block["attemptsUsed"]))</dd></div>
            <div><dt>Updated</dt><dd>\(ConsoleFormat.time(block["updatedAt"]?.stringValue))</dd></div>
            </dl>
            \(lastError)
            <div class="actions">\(actions)</div>
            """
        let lanesList: [HTML] = lanes.enumerated().map { index, instance in
            "<li><span class=\"lane lane-\(index % 6)\">\(instance)</span></li>"
        }
        let timeline: HTML =
            events.isEmpty
            ? "<p class=\"empty\">No events after \(Int(after)).</p>"
            : """
            <table class="timeline"><caption class="visually-hidden">The block's events in order</caption>
            <thead><tr><th scope="col" class="num">#</th><th scope="col">When</th><th scope="col" class="num">Δ</th><th scope="col">Step</th><th scope="col" class="num">Attempt</th><th scope="col">Instance</th><th scope="col">Reason</th></tr></thead>
            <tbody>\(rows)</tbody></table>
            """
        let content: HTML = """
            \(summary)
            <section aria-labelledby="path"><h2 id="path">Path</h2>
            \(lanes.isEmpty ? HTML.empty : HTML("<ul class=\"lanes\" aria-label=\"Instances on this page\">\(lanesList)</ul>"))
            \(timeline)
            <nav class="pager" aria-label="Event pages">\(pager)</nav>
            </section>
            <section aria-labelledby="results"><h2 id="results">Results</h2>\(results(detail["results"]?.arrayValue ?? []))</section>
            """
        return frame.page(
            title: "Block \(id.prefix(12))", environment: environment, section: .blocks, content: content)
    }

    /// The block's result versions, the current one first, each with its first records: source beside translation.
    static func results(_ versions: [JSONValue]) -> HTML {
        guard !versions.isEmpty else { return "<p class=\"empty\">No result yet.</p>" }
        let ordered =
            versions.filter { $0["current"] == .bool(true) } + versions.filter { $0["current"] != .bool(true) }
        return ordered.map { version in
            let records = version["records"]?.arrayValue ?? []
            let rows: [HTML] = records.prefix(recordsShown).map { record in
                """
                <tr><td class="mono">\(ConsoleFormat.text(record["id"]))</td><td class="text">\(ConsoleFormat.text(record["source"]))</td><td class="text">\(ConsoleFormat.text(record["translation"]))</td></tr>
                """
            }
            let more: HTML =
                records.count > recordsShown
                ? "<p class=\"muted\">\(records.count - recordsShown) more records: <code>tradu export</code> writes them all.</p>"
                : HTML.empty
            return """
                <details class="result"\(version["current"] == .bool(true) ? HTML(" open") : HTML.empty)><summary>\(version["current"] == .bool(true) ? "Current result" : "Earlier result") · attempt \(ConsoleFormat.text(version["attempt"])) · \(ConsoleFormat.text(version["inputTokens"])) tokens in, \(ConsoleFormat.text(version["outputTokens"])) out · spec \(String((version["specHash"]?.stringValue ?? "").prefix(12))) · \(ConsoleFormat.text(version["completedAt"]))</summary>
                <table class="records"><thead><tr><th scope="col">Document</th><th scope="col">Source</th><th scope="col">Translation</th></tr></thead><tbody>\(rows)</tbody></table>\(more)
                </details>
                """
        }.joined()
    }
}
