import Foundation

/// Paths inside this repository, found from this file's location so tests run from any directory.
enum RepositoryPaths {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static var manifests: String { root + "/manifests" }
    static var schemas: String { root + "/schemas" }
    static var badManifests: String { root + "/Tests/TraduAppTests/Fixtures/bad" }
}
