import Foundation
import Logging
import Testing
import TraduApp
import TraduStore
import TraduTestSupport

/// `tradu export` streams results a batch at a time: whatever the batch size, the file holds the same bytes, in
/// dataset order (30 documents in 15 blocks, read 1, 7 or 1,000 blocks per round trip), each line with its
/// document's source, which the stored results leave out.
@Suite struct ExportStreamingTests {
    @Test func theBatchSizeNeverChangesABytePageByPage() async throws {
        let project = try await TestProject.runtime(documents: 30, maxRecords: 2)
        let up = try await CommandLineTests.run(["up", "-e", "dev"], in: project.root, database: project.databaseURL)
        #expect(up.status == 0, "\(up.stderr)")
        let store = try await project.store()
        defer { Task { await store.close() } }
        // The worker stores each line without its source, which the block's content already holds.
        let stored = try await project.query("SELECT records FROM results")
        #expect(stored.count == 15)
        for row in stored {
            let records = try #require(row["records"] ?? nil)
            #expect(records.hasPrefix("{\"id\":\"doc-") && !records.contains("\"source\""), "\(records)")
        }
        var outputs: [[String: Data]] = []
        for batchSize in [1, 7, 1000] {
            let folder = project.root + "/export-\(batchSize)"
            let written = try await ResultExporter(batchSize: batchSize).export(from: store, to: folder)
            #expect(written.count == 1, "one pipeline, one language")
            var files: [String: Data] = [:]
            for file in written {
                let data = try #require(FileManager.default.contents(atPath: file.path))
                #expect(data.reduce(0) { $1 == 10 ? $0 + 1 : $0 } == file.records && file.records == 30)
                files[String(file.path.dropFirst(folder.count))] = data
            }
            let leftovers = try FileManager.default.subpathsOfDirectory(atPath: folder).filter { $0.contains(".tmp-") }
            #expect(leftovers.isEmpty)
            outputs.append(files)
        }
        #expect(outputs.allSatisfy { $0 == outputs[0] } && outputs[0].count == 1, "\(outputs.map(\.keys))")
        // In dataset order: the documents' ids rise through the file.
        let french = try #require(outputs[0].first { $0.key.hasSuffix("fr.jsonl") }?.value)
        let ids = String(decoding: french, as: UTF8.self).split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["id"] as? String
        }
        #expect(ids == (0..<30).map { "doc-\($0)" }, "\(ids)")
        // Each line carries its document's source second, merged back from the block's content (`ResultRecords`).
        for (index, line) in String(decoding: french, as: UTF8.self).split(separator: "\n").enumerated() {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["source"] as? String == TestProject.text(index), "\(line)")
            #expect(line.hasPrefix("{\"id\":\"doc-\(index)\",\"source\":"), "\(line)")
        }
    }
}
