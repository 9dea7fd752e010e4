import Hummingbird
import TraduApp
import TraduCore

/// `/environments/{env}/blocks`: blocks in id order with filters, a page at a time by keyset (`after`), never an
/// offset and never a count, so the page answers as fast at 10M blocks as at 100.
enum BlocksPage {
    static let pageSize = 50

    struct Filters: Sendable {
        var state: BlockState?
        var pipeline: String?
        var language: String?
        var errorClass: ErrorClass?
        var dataset: String?
        var after: String?

        /// The filters of a query; an unknown state or error class is a 400 that says what is allowed.
        init(_ query: Hummingbird.Parameters) throws {
            func value(_ name: String) -> String? {
                guard let text = query[Substring(name)].map(String.init), !text.isEmpty else { return nil }
                return text
            }
            if let text = value("state") {
                guard let parsed = BlockState(rawValue: text) else {
                    throw Problem.badRequest(
                        "state '\(text)' is not one of \(BlockState.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                state = parsed
            }
            if let text = value("errorClass") {
                guard let parsed = ErrorClass(rawValue: text) else {
                    throw Problem.badRequest(
                        "error class '\(text)' is not one of "
                            + ErrorClass.allCases.map(\.rawValue).joined(separator: ", "))
                }
                errorClass = parsed
            }
            pipeline = value("pipeline")
            language = value("language")
            dataset = value("dataset")
            after = value("after")
        }

        /// The query string of these filters, with `after` replaced.
        func query(after: String?) -> String {
            var pairs: [(String, String)] = []
            if let state { pairs.append(("state", state.rawValue)) }
            if let pipeline { pairs.append(("pipeline", pipeline)) }
            if let language { pairs.append(("language", language)) }
            if let errorClass { pairs.append(("errorClass", errorClass.rawValue)) }
            if let dataset { pairs.append(("dataset", dataset)) }
            if let after { pairs.append(("after", after)) }
            return pairs.map { "\($0.0)=\(ConsoleFrame.pathSegment($0.1))" }.joined(separator: "&")
        }
    }

    static func render(frame: ConsoleFrame, service: OperatorService, query: Hummingbird.Parameters) async throws
        -> Response
    {
        let filters = try Filters(query)
        let page = try await service.blockPage(
            state: filters.state, pipeline: filters.pipeline, language: filters.language,
            errorClass: filters.errorClass, dataset: filters.dataset, after: filters.after, limit: pageSize)
        let pipelines = try await service.environmentJSON()["pipelines"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let items = page["items"]?.arrayValue ?? []
        let environment = service.environment
        let rows: [HTML] = items.map { block in
            let id = block["id"]?.stringValue ?? ""
            let error = block["lastError"]?.stringValue.map { String($0.prefix(140)) } ?? ""
            return """
                <tr><td><a class="mono" href="\(frame.link(environment: environment, "blocks/\(id)"))">\(String(id.prefix(12)))</a></td>
                <td>\(ConsoleFormat.text(block["pipeline"]))</td><td>\(ConsoleFormat.text(block["targetLanguage"]))</td>
                <td>\(ConsoleFormat.state(block["state"]?.stringValue ?? "?"))</td><td class="num">\(ConsoleFormat.text(block["attemptsUsed"]))</td>
                <td>\(block["errorClass"]?.stringValue ?? "")</td><td class="error-text">\(error)</td><td>\(ConsoleFormat.time(block["updatedAt"]?.stringValue))</td></tr>
                """
        }
        func options(_ values: [String], selected: String?) -> HTML {
            let all: HTML = "<option value=\"\">any</option>"
            let choices: [HTML] = values.map { value in
                "<option\(value == selected ? HTML(" selected") : HTML.empty)>\(value)</option>"
            }
            return ([all] + choices).joined()
        }
        let here = frame.link(environment: environment, "blocks")
        let next: HTML =
            page["next"]?.stringValue.map { next in
                HTML("<a class=\"button\" rel=\"next\" href=\"\(here)?\(filters.query(after: next))\">Next page →</a>")
            } ?? HTML("<span class=\"muted\">Last page.</span>")
        let first: HTML =
            filters.after == nil ? HTML.empty : "<a href=\"\(here)?\(filters.query(after: nil))\">⇤ First page</a> "
        let table: HTML =
            items.isEmpty
            ? "<p class=\"empty\">No block matches these filters.</p>"
            : """
            <table class="blocks"><caption class="visually-hidden">Blocks, in id order</caption>
            <thead><tr><th scope="col">Block</th><th scope="col">Pipeline</th><th scope="col">Language</th><th scope="col">State</th><th scope="col" class="num">Attempts</th><th scope="col">Error class</th><th scope="col">Last error</th><th scope="col">Updated</th></tr></thead>
            <tbody>\(rows)</tbody></table>
            """
        let content: HTML = """
            <form class="filters" method="get" action="\(here)" role="search" aria-label="Filter blocks">
            <label>State <select name="state">\(options(BlockState.allCases.map(\.rawValue), selected: filters.state?.rawValue))</select></label>
            <label>Pipeline <select name="pipeline">\(options(pipelines, selected: filters.pipeline))</select></label>
            <label>Language <input name="language" value="\(filters.language ?? "")" size="6" placeholder="fr"></label>
            <label>Error class <select name="errorClass">\(options(ErrorClass.allCases.map(\.rawValue), selected: filters.errorClass?.rawValue))</select></label>
            <label>Dataset <input name="dataset" value="\(filters.dataset ?? "")" size="14"></label>
            <button type="submit" class="button">Filter</button> <a href="\(here)">Clear</a>
            </form>
            \(table)
            <nav class="pager" aria-label="Pages">\(first)\(next)</nav>
            """
        return frame.page(title: "Blocks", environment: environment, section: .blocks, content: content)
    }
}
