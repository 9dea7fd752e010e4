import TraduApp
import TraduCore

/// `/`: every environment served, each pipeline with a progress bar, its counts by state, throughput and ETA, its
/// conditions, spend and pause; updated live. Everything comes from what the leading controller maintains (counts,
/// conditions) and the spend rows, so the page costs the same at 10M blocks.
enum OverviewPage {
    static let finalStates: Set<String> = ["completed", "failed", "cancelled"]
    /// The bar's segments, left to right.
    static let barStates = ["completed", "failed", "cancelled", "in_process", "enqueued", "claimed", "created"]

    static func content(
        frame: ConsoleFrame, services: [String: OperatorService], throughput: ThroughputBook, now: Double
    ) async throws -> HTML {
        var sections: [HTML] = []
        for name in services.keys.sorted() {
            guard let service = services[name] else { continue }
            let environment = try await service.environmentJSON()
            let pipelines = try await service.pipelinesJSON()["items"]?.arrayValue ?? []
            var cards: [HTML] = []
            for pipeline in pipelines {
                cards.append(
                    await card(
                        pipeline, environment: name, frame: frame, throughput: throughput, now: now))
            }
            let conditions = (environment["conditions"]?.arrayValue ?? []).map(ConsoleFormat.condition)
            let id = "env-" + ConsoleFrame.pathSegment(name)
            sections.append(
                """
                <section class="environment" aria-labelledby="\(id)">
                <div class="section-head"><h2 id="\(id)">\(name)</h2><ul class="conditions">\(conditions)</ul>
                <p class="links"><a href="\(frame.link(environment: name, "blocks"))">Blocks</a> · <a href="\(frame.link(environment: name, "instances"))">Instances</a> · <a href="\(frame.link(environment: name, "history"))">History</a></p></div>
                \(cards.isEmpty ? HTML("<p class=\"empty\">Nothing applied yet: <code>tradu apply -e \(name)</code>.</p>") : HTML("<div class=\"pipelines\">\(cards)</div>"))
                </section>
                """)
        }
        return sections.joined()
    }

    static func card(
        _ pipeline: JSONValue, environment: String, frame: ConsoleFrame, throughput: ThroughputBook, now: Double
    ) async -> HTML {
        let name = pipeline["name"]?.stringValue ?? "?"
        var counts: [String: Int] = [:]
        if case .object(let fields)? = pipeline["counts"] {
            for (state, value) in fields { counts[state] = value.intValue ?? 0 }
        }
        let total = counts.values.reduce(0, +)
        let final = counts.filter { finalStates.contains($0.key) }.values.reduce(0, +)
        let countedAt = pipeline["countsUpdatedAt"]?.stringValue.flatMap(ConsoleFormat.seconds) ?? now
        let window = await throughput.record(environment: environment, pipeline: name, final: final, at: countedAt)
        let percent = total == 0 ? 0 : Int((Double(final) * 100 / Double(total)).rounded(.down))
        let rate: HTML = window.rate.map { HTML("\(String(format: "%.1f", $0)) blocks/s") } ?? "measuring…"
        let eta: HTML =
            final == total
            ? (total == 0 ? "no blocks" : "done")
            : window.secondsLeft(remaining: total - final).map { HTML("ETA \(ConsoleFormat.duration(seconds: $0))") }
                ?? "ETA unknown"
        let blocks = frame.link(environment: environment, "blocks")
        let stateLinks: [HTML] = barStates.reversed().compactMap { state in
            guard let count = counts[state], count > 0 else { return nil }
            let href = "\(blocks)?pipeline=\(ConsoleFrame.pathSegment(name))&state=\(state)"
            return "<li><a href=\"\(href)\">\(ConsoleFormat.state(state)) \(ConsoleFormat.count(count))</a></li>"
        }
        let conditions = (pipeline["conditions"]?.arrayValue ?? []).map(ConsoleFormat.condition)
        var notes: [HTML] = []
        if let paused = pipeline["paused"] {
            notes.append(
                """
                <p class="paused"><strong>Paused</strong> by \(ConsoleFormat.text(paused["by"])) at \(ConsoleFormat.time(paused["at"]?.stringValue)): \(ConsoleFormat.text(paused["reason"]))</p>
                """)
        }
        if let waiting = pipeline["inProviderBatches"]?.intValue, waiting > 0 {
            notes.append("<p>\(ConsoleFormat.count(waiting)) blocks wait in provider batches.</p>")
        }
        if let spend = pipeline["spend"] {
            var text =
                "\(ConsoleFormat.text(spend["inputTokens"])) tokens in, \(ConsoleFormat.text(spend["outputTokens"])) out"
                + ", \(ConsoleFormat.text(spend["attempts"])) attempts (\(ConsoleFormat.text(spend["failedAttempts"])) failed)"
            if let cost = spend["cost"]?.doubleValue, let currency = spend["currency"]?.stringValue {
                text += ", " + String(format: "%.2f", cost) + " " + currency
            }
            notes.append("<p class=\"spend\">\(text)</p>")
        }
        let pipelinePath = frame.link(environment: environment, "pipelines/\(ConsoleFrame.pathSegment(name))")
        let action =
            pipeline["paused"] == nil
            ? frame.action(
                "Pause", to: pipelinePath + "/pause",
                detail: "Start no new block of \(name). Blocks in process finish; nothing is cancelled.")
            : frame.action("Resume", to: pipelinePath + "/resume", detail: "Start \(name)'s blocks again.")
        return """
            <article class="pipeline" data-pipeline="\(name)">
            <header><h3>\(name)</h3><span class="dataset">dataset \(ConsoleFormat.text(pipeline["dataset"]))</span></header>
            \(bar(counts, total: total, label: "\(name): \(final) of \(total) blocks final"))
            <p class="figures"><strong data-final="\(final)">\(ConsoleFormat.count(final))</strong> of \(ConsoleFormat.count(total)) final (\(percent)%) · <span data-rate>\(rate)</span> · \(eta)</p>
            <ul class="counts">\(stateLinks)</ul>
            <ul class="conditions">\(conditions)</ul>
            \(notes)
            <div class="actions">\(action)</div>
            </article>
            """
    }

    /// The blocks by state as one bar (SVG, so the page needs no inline style): final states first.
    static func bar(_ counts: [String: Int], total: Int, label: String) -> HTML {
        var x = 0.0
        var segments: [HTML] = []
        for state in barStates {
            guard let count = counts[state], count > 0, total > 0 else { continue }
            let width = 1000 * Double(count) / Double(total)
            segments.append(
                "<rect class=\"bar-\(state)\" x=\"\(String(format: "%.1f", x))\" y=\"0\" width=\"\(String(format: "%.1f", width))\" height=\"12\"><title>\(state): \(count)</title></rect>"
            )
            x += width
        }
        return """
            <svg class="bar" viewBox="0 0 1000 12" preserveAspectRatio="none" role="img" aria-label="\(label)"><rect class="bar-track" x="0" y="0" width="1000" height="12"/>\(segments)</svg>
            """
    }
}
