import TraduApp
import TraduCore

/// `/environments/{env}/instances`: every controller and worker, its heartbeat and the blocks it holds; live.
enum InstancesPage {
    static func content(frame: ConsoleFrame, service: OperatorService) async throws -> HTML {
        let items = try await service.instancesJSON()["items"]?.arrayValue ?? []
        guard !items.isEmpty else { return "<p class=\"empty\">No instance has registered yet.</p>" }
        let rows: [HTML] = items.map { instance in
            let silent = instance["silentForSeconds"]?.doubleValue ?? 0
            let state = instance["state"]?.stringValue ?? "?"
            return """
                <tr><td class="mono">\(ConsoleFormat.text(instance["id"]))</td><td>\(ConsoleFormat.text(instance["role"]))</td>
                <td><span class="instance-state instance-\(state)">\(state)</span></td><td>\(ConsoleFormat.text(instance["host"]))</td>
                <td class="num">\(ConsoleFormat.text(instance["pid"]))</td><td>\(ConsoleFormat.text(instance["version"]))</td>
                <td>\(ConsoleFormat.time(instance["startedAt"]?.stringValue))</td><td>\(ConsoleFormat.time(instance["heartbeatAt"]?.stringValue))</td>
                <td class="num\(state == "live" && silent > 10 ? HTML(" warn") : HTML.empty)">\(ConsoleFormat.duration(seconds: silent))</td>
                <td class="num">\(ConsoleFormat.text(instance["blocksHeld"]))</td></tr>
                """
        }
        return """
            <table class="instances"><caption class="visually-hidden">Controllers and workers</caption>
            <thead><tr><th scope="col">Instance</th><th scope="col">Role</th><th scope="col">State</th><th scope="col">Host</th><th scope="col" class="num">PID</th><th scope="col">Version</th><th scope="col">Started</th><th scope="col">Last heartbeat</th><th scope="col" class="num">Silent for</th><th scope="col" class="num">Blocks held</th></tr></thead>
            <tbody>\(rows)</tbody></table>
            """
    }
}
