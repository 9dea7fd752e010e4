import Foundation
import Testing
import TraduCore
import TraduSources

@Suite struct SourcePathTests {
    @Test func pathLeavingTheProjectIsRefused() async throws {
        let project = try TestProject()
        let error = await #expect(throws: SourceError.self) {
            _ = try await project.reader(makeDataset(.path("../../etc/passwd"))).open()
        }
        #expect(error?.kind == .pathEscape)
        #expect(
            error?.diagnostic.message
                == "dataset 'docs': source.path '../../etc/passwd' is outside the project directory")
        let globError = await #expect(throws: SourceError.self) {
            _ = try await project.reader(makeDataset(.glob("../../**/*.txt"), format: .text)).open()
        }
        #expect(globError?.kind == .pathEscape)
    }

    @Test func pathClimbingBackInsideIsAllowed() async throws {
        let project = try TestProject()
        try project.write("data/x.jsonl", "{\"id\": 1, \"text\": \"a\"}")
        let (records, _) = try await project.readAll(makeDataset(.path("../data/x.jsonl")))
        #expect(records.first?.location.file == "data/x.jsonl")
    }

    @Test func symlinksOutsideTheProjectAreRefused() async throws {
        let project = try TestProject()
        let outside = try TestProject()
        try outside.write("secret.jsonl", "{\"id\": 1, \"text\": \"secret\"}")
        try outside.write("folder/secret.txt", "secret")
        try project.symlink("manifests/link.jsonl", to: outside.root + "/secret.jsonl")
        let fileError = await #expect(throws: SourceError.self) {
            _ = try await project.reader(makeDataset(.path("link.jsonl"))).open()
        }
        #expect(fileError?.kind == .pathEscape)
        #expect(fileError?.diagnostic.message.contains("outside the project directory") == true)

        try project.write("manifests/docs/ok.txt", "ok")
        try project.symlink("manifests/docs/more", to: outside.root + "/folder")
        let folderError = await #expect(throws: SourceError.self) {
            _ = try await project.reader(makeDataset(.path("docs"), format: .text)).open()
        }
        #expect(folderError?.kind == .pathEscape)
        #expect(
            folderError?.diagnostic.message.hasPrefix(
                "dataset 'docs': source.path 'docs': manifests/docs/more is a symlink to") == true
        )
    }

    @Test func symlinksInsideTheProjectAreFollowed() async throws {
        let project = try TestProject()
        try project.write("shared/a.txt", "shared")
        try project.symlink("manifests/docs/linked", to: project.root + "/shared")
        try project.symlink("manifests/docs/loop", to: project.root + "/manifests/docs")
        try project.write("manifests/docs/own.txt", "own")
        let (records, _) = try await project.readAll(makeDataset(.path("docs"), format: .text))
        #expect(records.map(\.id) == ["linked/a.txt", "own.txt"])
    }

    @Test func missingFileNamesTheResolvedPath() async throws {
        let project = try TestProject()
        let error = await #expect(throws: SourceError.self) {
            _ = try await project.reader(makeDataset(.path("data/nope.jsonl"))).open()
        }
        #expect(error?.kind == .notFound)
        #expect(
            error?.description
                == "error: dataset 'docs': source.path 'data/nope.jsonl' not found: manifests/data/nope.jsonl does not exist"
        )
    }

    @Test func folderForAOneFileFormatIsAnError() async throws {
        let project = try TestProject()
        try project.write("manifests/data/a.jsonl", "")
        let error = await #expect(throws: SourceError.self) {
            _ = try await project.reader(makeDataset(.path("data"))).open()
        }
        #expect(error?.kind == .invalidSource)
    }

    @Test func fingerprintStampsSizeAndModificationTime() async throws {
        let project = try TestProject()
        try project.write("manifests/x.jsonl", "{\"id\": 1, \"text\": \"a\"}\n")
        let first = try await project.reader(makeDataset(.path("x.jsonl"))).open().fingerprint
        guard case .files(let stamps) = first else {
            Issue.record("expected file stamps, got \(first)")
            return
        }
        #expect(stamps.map(\.path) == ["manifests/x.jsonl"])
        #expect(stamps.first?.size == 23)
        #expect((stamps.first?.modifiedNanoseconds ?? 0) > 0)
        #expect(try await project.reader(makeDataset(.path("x.jsonl"))).open().fingerprint == first)
        try project.write("manifests/x.jsonl", "{\"id\": 1, \"text\": \"a\"}\n{\"id\": 2, \"text\": \"b\"}\n")
        #expect(try await project.reader(makeDataset(.path("x.jsonl"))).open().fingerprint != first)
        #expect(first.isConclusive)
    }
}
