import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import TraduApp
import TraduStore
import TraduTestSupport

@testable import TraduAPI

/// `/api/v1/events` with real clients (curl) on a live server while a real run goes: every client sees every
/// transition of its filter exactly once, in order, plus status changes; a client that reconnects with
/// `Last-Event-ID` is replayed what followed it.
@Suite(.serialized) struct APIEventStreamTests {
    /// A curl following the stream until stopped; its output is the raw stream.
    final class Listener: @unchecked Sendable {
        let process = Process()
        /// A file, not a pipe: every child inherits the test process's pipe ends, so a pipe would not end with curl.
        let output = NSTemporaryDirectory() + "tradu-sse-\(UUID().uuidString).txt"

        init(port: Int, query: String, lastEventID: Int64? = nil) throws {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
            var arguments = ["-sN", "-H", "Authorization: Bearer \(APIRouteTests.readToken)"]
            if let lastEventID { arguments += ["-H", "Last-Event-ID: \(lastEventID)"] }
            process.arguments = arguments + ["-o", output, "http://127.0.0.1:\(port)/api/v1/events?\(query)"]
            try process.run()
        }

        /// Waits until the server has answered (its first line is written after the subscription is registered).
        func connected() async throws {
            try await eventually("the event stream to answer", upTo: .seconds(30)) {
                ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").hasPrefix("retry: 2000")
            }
        }

        /// Waits until the stream holds event `id` (and a status event): what a slow machine needs, no fixed sleep.
        func received(_ id: Int64, status: Bool) async throws {
            try await eventually("event \(id) on the stream", upTo: .seconds(60)) {
                let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
                return text.contains("id: \(id)\n") && (!status || text.contains("event: status"))
            }
        }

        /// Stops curl and parses what it received: transition ids in order, and how many status events.
        func stop() -> (ids: [Int64], statuses: Int, raw: String) {
            // SIGKILL: the test process runs a server whose lifecycle blocks SIGTERM, and children inherit the mask.
            kill(process.processIdentifier, SIGKILL)
            var status: Int32 = 0
            waitpid(process.processIdentifier, &status, 0)
            let raw = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            try? FileManager.default.removeItem(atPath: output)
            let lines = raw.split(separator: "\n")
            let ids = lines.compactMap { $0.hasPrefix("id: ") ? Int64($0.dropFirst(4)) : nil }
            return (ids, lines.filter { $0 == "event: status" }.count, raw)
        }
    }

    @Test func everyClientSeesEveryTransitionOfItsFilterOnce() async throws {
        let project = try await TestProject.runtime(documents: 30, maxRecords: 1)
        try await project.apply()
        let before = Int64(
            try await project.query("SELECT coalesce(max(id), 0) AS id FROM \(EventLogSQL.everyEvent()) e")[0]["id"]!!)!
        let target = EnvironmentTarget(environment: .implicit("dev"), url: project.databaseURL)
        var settings = APIServer.Settings()
        settings.port = 0
        settings.tokens = try AccessTokens.load(path: try APIRouteTests.tokensFile())
        let server = APIServer(
            services: ["dev": OperatorService(target: target, logger: Logger(label: "test"))], settings: settings,
            logger: Logger(label: "api"))
        try await server.application().test(.live) { client in
            let port = try #require(client.port)
            let all = try Listener(port: port, query: "env=dev")
            let filtered = try Listener(port: port, query: "env=dev&pipeline=translate")
            let other = try Listener(port: port, query: "env=dev&pipeline=nothing-here")
            for listener in [all, filtered, other] { try await listener.connected() }
            // The feed takes its starting point at its first read after the first subscriber.
            try await Task.sleep(for: .seconds(1))
            let run = try await Task.detached {
                try await CommandLineTests.run(["run", "-e", "dev"], in: project.root, database: project.databaseURL)
            }.value
            #expect(run.status == 0, "\(run.stderr)")
            let expected = try await project.query(
                "SELECT id FROM \(EventLogSQL.everyEvent()) e WHERE id > \(before) ORDER BY id"
            )
            .compactMap { $0["id"].flatMap { $0 }.flatMap { Int64($0) } }
            #expect(expected.count >= 90, "30 blocks, at least three transitions each")
            for listener in [all, filtered] { try await listener.received(expected.last!, status: true) }
            let replayFrom = expected[expected.count / 2]
            let replayed = try Listener(port: port, query: "env=dev", lastEventID: replayFrom)
            try await replayed.received(expected.last!, status: false)

            let seenByAll = all.stop()
            #expect(seenByAll.ids == expected, "every transition once, in order: \(seenByAll.raw.prefix(600))")
            #expect(seenByAll.statuses >= 1, "status changes come too")
            #expect(seenByAll.raw.contains("\"pipeline\":\"translate\"") && seenByAll.raw.contains("\"blockId\""))
            #expect(filtered.stop().ids == expected, "every block is the pipeline's")
            #expect(other.stop().ids.isEmpty, "a filter on another pipeline sees no transition")
            #expect(replayed.stop().ids == expected.filter { $0 > replayFrom }, "replayed after Last-Event-ID")
        }
    }

    /// `tradu serve -e dev` as a process on a free port, once it listens.
    static func serve(_ project: TestProject) async throws -> (TraduProcess, Int) {
        let server = try TraduProcess(
            ["serve", "-e", "dev", "--tokens", try APIRouteTests.tokensFile(), "--addr", "127.0.0.1:0"], in: project)
        var port: Int?
        do {
            try await eventually("the server to listen") {
                port = server.log.split(separator: "\n").first { $0.hasPrefix("Serving the API") }
                    .flatMap { $0.split(separator: ":").last }.flatMap { Int($0) }
                return port != nil
            }
        } catch {
            server.kill9()
            throw error
        }
        return (server, try #require(port))
    }

    /// A client that never leaves does not hold the server up: on SIGTERM every stream ends and the server exits 0.
    @Test func sigtermEndsOpenStreamsAndTheServerExits() async throws {
        let project = try await TestProject.runtime(documents: 2, maxRecords: 1)
        try await project.apply()
        let (server, port) = try await Self.serve(project)
        defer { server.kill9() }
        let listener = try Listener(port: port, query: "env=dev")
        try await listener.connected()
        server.terminate()
        #expect(await server.wait(upTo: .seconds(15)) == 0, "\(server.log)")
        #expect(listener.stop().raw.hasPrefix("retry: 2000"), "the client was connected")

        // A client that comes back to the restarted server with the last id it saw is caught up from the
        // database, not started from now.
        let (restarted, newPort) = try await Self.serve(project)
        defer { restarted.kill9() }
        let resumed = try Listener(port: newPort, query: "env=dev", lastEventID: 1)
        let all = try await project.query("SELECT id FROM \(EventLogSQL.everyEvent()) e WHERE id > 1 ORDER BY id")
            .compactMap { $0["id"].flatMap { $0 }.flatMap { Int64($0) } }
        try await resumed.received(all.last ?? 0, status: false)
        #expect(!all.isEmpty && resumed.stop().ids == all, "caught up after Last-Event-ID")
    }

    @Test func aStreamNeedsAKnownEnvironmentAndATokenAndANumericLastEventID() async throws {
        let served = try await APIRouteTests.served(run: false)
        try await APIRouteTests.application(served).test(.router) { client in
            try await client.execute(uri: "/api/v1/events?env=dev", method: .get) { response in
                #expect(response.status == .unauthorized)
            }
            let read = APIRouteTests.bearer(APIRouteTests.readToken)
            try await client.execute(uri: "/api/v1/events", method: .get, headers: read) { response in
                #expect(response.status == .badRequest)
            }
            try await client.execute(uri: "/api/v1/events?env=prod", method: .get, headers: read) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(
                uri: "/api/v1/events?env=dev", method: .get,
                headers: read + [HTTPFields.Element.Name("Last-Event-ID")!: "latest"]
            ) { response in
                #expect(response.status == .badRequest)
            }
        }
    }

    @Test func anSSEFrameIsOneDataLineWithTheEventsID() {
        let item = EventFeed.Item(
            kind: .transition, id: 42, pipeline: "docs", body: .object([("error", .string("line\nbreak"))]))
        #expect(EventStream.frame(item) == "id: 42\nevent: transition\ndata: {\"error\":\"line\\nbreak\"}\n\n")
        #expect(
            EventStream.frame(EventFeed.Item(kind: .heartbeat, id: nil, pipeline: nil, body: .null))
                == ": heartbeat\n\n")
    }
}
