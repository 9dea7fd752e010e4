import Testing
import TraduCore
import TraduSources

@Suite struct TextAndLinesSourceTests {
    @Test func folderOfTextFilesSortedByRelativePath() async throws {
        let project = try TestProject()
        try project.write("manifests/docs/b.txt", "Bee")
        try project.write("manifests/docs/a/z.txt", "Zed")
        try project.write("manifests/docs/a/y.md", "Why")
        try project.write("manifests/docs/.hidden", "secret")
        try project.write("manifests/docs/.git/config", "x")
        let (records, _) = try await project.readAll(makeDataset(.path("docs"), format: .text))
        #expect(records.map(\.id) == ["a/y.md", "a/z.txt", "b.txt"])
        #expect(records.map(\.text) == ["Why", "Zed", "Bee"])
        #expect(
            records.map(\.location.file) == ["manifests/docs/a/y.md", "manifests/docs/a/z.txt", "manifests/docs/b.txt"])
    }

    @Test func globWithDoubleStarStarAndQuestionMark() async throws {
        let project = try TestProject()
        try project.write("manifests/data/legal/top.txt", "top")
        try project.write("manifests/data/legal/eu/2024/gdpr.txt", "gdpr")
        try project.write("manifests/data/legal/eu/notes.md", "no")
        try project.write("manifests/data/legal/us/x1.txt", "x1")
        try project.write("manifests/data/legal/us/x10.txt", "x10")
        try project.write("manifests/data/other/a.txt", "no")
        let all = try await project.readAll(makeDataset(.glob("data/legal/**/*.txt"), format: .text)).records
        #expect(all.map(\.id) == ["eu/2024/gdpr.txt", "top.txt", "us/x1.txt", "us/x10.txt"])
        let some = try await project.readAll(makeDataset(.glob("data/legal/u?/x?.txt"), format: .text)).records
        #expect(some.map(\.id) == ["us/x1.txt"])
    }

    @Test func globMatchingNothingIsAnError() async throws {
        let project = try TestProject()
        try project.write("manifests/data/a.md", "x")
        let error = await #expect(throws: SourceError.self) {
            _ = try await project.reader(makeDataset(.glob("data/**/*.txt"), format: .text)).open()
        }
        #expect(error?.kind == .notFound)
        #expect(
            error?.description
                == "error: dataset 'docs': source.glob 'data/**/*.txt' matches no files in manifests/data")
    }

    @Test func textFileWithInvalidUTF8IsABadRecord() async throws {
        let project = try TestProject()
        try project.write("manifests/docs/a.txt", bytes: Array("line one\nab".utf8) + [0xE2, 0x28, 0xA1])
        try project.write("manifests/docs/b.txt", "fine")
        let (records, stream) = try await project.readAll(
            makeDataset(.path("docs"), format: .text, onInvalidRecord: .skip))
        #expect(records.map(\.id) == ["b.txt"])
        #expect(stream.skipped.map(\.description) == ["manifests/docs/a.txt:2:3: error: invalid UTF-8"])
    }

    @Test func linesAreNumberedByPhysicalLine() async throws {
        let project = try TestProject()
        try project.write("manifests/ui.txt", "Open\r\n\r\n   \nSave as…\r\nClose")
        let (records, _) = try await project.readAll(makeDataset(.path("ui.txt"), format: .lines))
        #expect(records.map(\.id) == ["1", "4", "5"])
        #expect(records.map(\.text) == ["Open", "Save as…", "Close"])
        #expect(records.map(\.location.line) == [1, 4, 5])
    }
}
