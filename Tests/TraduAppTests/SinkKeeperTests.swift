import Foundation
import Testing
import TraduTestSupport

/// The leading controller keeps `jsonl` sinks current while `tradu controller` and `tradu worker` run (no `tradu
/// run` to write them at the end): records appear within seconds of their block's completion, a reader never sees
/// a torn file, a standby that takes over from a SIGKILLed leader goes on, and once every block is final the sink
/// holds exactly what `tradu export` writes.
extension ProcessHeavyTests {
    @Suite struct SinkKeeperTests {
        @Test func sinksAreKeptCurrentWholeAndThroughAFailover() async throws {
            let project = try await TestProject.runtime(
                documents: 60, maxRecords: 1, sleep: 0.5, sinks: "[{type: jsonl, path: out/live}]")
            try await project.apply()
            let sink = project.root + "/out/live/fr.jsonl"
            let first = try TraduProcess(["controller", "-e", "dev"], in: project)
            let second = try TraduProcess(["controller", "-e", "dev"], in: project)
            defer {
                first.kill9()
                second.kill9()
            }
            let worker = try TraduProcess(["worker", "-e", "dev", "--concurrency", "2"], in: project)
            defer { worker.kill9() }

            // Every look at the file, while blocks complete, finds whole lines of JSON.
            var looks = 0
            var largest = 0
            func look() throws -> Int {
                guard let data = FileManager.default.contents(atPath: sink) else { return 0 }
                let text = String(decoding: data, as: UTF8.self)
                #expect(text.isEmpty || text.hasSuffix("\n"), "a torn sink file")
                let lines = text.split(separator: "\n")
                for line in lines {
                    #expect(
                        (try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil, "a partial record: \(line)")
                }
                looks += 1
                largest = max(largest, lines.count)
                return lines.count
            }
            try await eventually("records in the sink while the run goes on", upTo: .seconds(60)) {
                let completed = try await project.counts()["completed"] ?? 0
                return try look() > 0 && completed < 60
            }
            // The leader dies mid-run (perhaps mid-write); the standby takes over and keeps the sink.
            let leader = try await project.query("SELECT holder FROM controller_lease")[0]["holder"]!!
            let firstLeads = first.log.contains(leader) || leader.contains("\(first.pid)")
            (firstLeads ? first : second).kill9()
            try await eventually("every block final", upTo: .seconds(90)) {
                _ = try look()
                return try await project.counts() == ["completed": 60]
            }
            let export = try await CommandLineTests.run(
                ["export", "-e", "dev", "--to", project.root + "/exported"], in: project.root,
                database: project.databaseURL)
            #expect(export.status == 0, "\(export.stderr)")
            let expected = try #require(
                FileManager.default.contents(atPath: project.root + "/exported/translate/fr.jsonl"))
            try await eventually("the sink is what tradu export writes", upTo: .seconds(20)) {
                FileManager.default.contents(atPath: sink) == expected
            }
            #expect(try look() == 60 && looks > 3, "\(looks) looks")
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: project.root + "/out/live")
                .filter { $0.contains(".tmp-") }
            #expect(leftovers.isEmpty, "\(leftovers)")
        }
    }
}
