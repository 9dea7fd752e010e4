import Foundation
import Testing
import TraduApp
import TraduCore

/// The corpus of bad manifests under Fixtures/bad. Each file states, in `# expect:` comment lines at its
/// end, every diagnostic `tradu validate` must print for it (FILE stands for the file's path), and
/// optionally `# env: NAME` to validate one environment. The sets must match exactly: a missing error and
/// an extra error both fail.
@Suite struct BadManifestTests {
    static let cases: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: RepositoryPaths.badManifests)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted()
    }()

    @Test func theCorpusHasAtLeastFortyCases() {
        #expect(Self.cases.count >= 40)
    }

    @Test(arguments: cases)
    func reportsExactlyTheExpectedDiagnostics(name: String) throws {
        let path = RepositoryPaths.badManifests + "/" + name
        let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let expected = lines.compactMap { line -> String? in
            guard line.hasPrefix("# expect: ") else { return nil }
            return line.dropFirst("# expect: ".count).replacingOccurrences(of: "FILE", with: path)
        }
        let environment = lines.first { $0.hasPrefix("# env: ") }.map { String($0.dropFirst("# env: ".count)) }
        #expect(!expected.isEmpty, "\(name) states no expected diagnostics")

        let validation = ManifestValidation(loader: ManifestLoader(files: [path]), environment: environment)
        #expect(!validation.isValid)
        #expect(validation.diagnostics.map(\.description) == expected)
    }
}
