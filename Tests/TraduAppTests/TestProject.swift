import Foundation
import Logging
import TraduApp
import TraduCore
import TraduStore
import TraduTestSupport

/// A throw-away tradu project on disk (manifests + a JSONL dataset) wired to a fresh database of the test
/// PostgreSQL: the real services, the real store, no mocks.
struct TestProject {
    let root: String
    let databaseURL: String

    /// - Parameter database: the database's URL; a fresh database of the shared test server when nil.
    static func make(documents: Int = 300, model: String = "gpt-4o", database: String? = nil) async throws
        -> TestProject
    {
        let root = try TestPostgres.makeTemporaryDirectory()
        var url = database ?? ""
        if database == nil { url = try await TestPostgres.shared.freshDatabase() }
        let project = TestProject(root: root, databaseURL: url)
        try FileManager.default.createDirectory(atPath: root + "/manifests/data", withIntermediateDirectories: true)
        try project.writeDocuments(0..<documents)
        try project.writeManifests(model: model)
        return project
    }

    var manifests: String { root + "/manifests" }

    static func text(_ index: Int) -> String {
        "Document \(index) explains how the scheduler assigns shifts, why invoices are grouped by team, and where"
            + " the {user_name} placeholder is filled in."
    }

    func writeDocuments(_ range: Range<Int>, edit: [Int: String] = [:], file: String = "docs.jsonl") throws {
        var text = ""
        for index in range {
            let body = edit[index] ?? Self.text(index)
            text += "{\"id\":\"doc-\(index)\",\"text\":\"\(body)\"}\n"
        }
        try text.write(toFile: "\(manifests)/data/\(file)", atomically: true, encoding: .utf8)
    }

    /// - Parameters:
    ///   - engineSettings: more fields of engine `llm`'s spec (`", concurrency: 8"`).
    ///   - more: more documents, appended as they are (each starting with `---`).
    func writeManifests(
        model: String = "gpt-4o", maxRecords: Int = 20, languages: String = "[fr, de]", withPipeline: Bool = true,
        engineSettings: String = "", more: String = ""
    ) throws {
        var text = """
            apiVersion: tradu/v1
            kind: Environment
            metadata: {name: dev}
            spec: {}
            ---
            apiVersion: tradu/v1
            kind: Environment
            metadata: {name: staging}
            spec: {}
            ---
            apiVersion: tradu/v1
            kind: Dataset
            metadata: {name: docs}
            spec:
              source: {path: data/docs.jsonl}
              format: jsonl
              sourceLanguage: en
              blocks: {maxRecords: \(maxRecords)}
            ---
            apiVersion: tradu/v1
            kind: Engine
            metadata: {name: llm}
            spec: {type: openai, model: \(model), apiKeyFrom: {env: TEST_KEY}\(engineSettings)}

            """
        if withPipeline {
            text += """
                ---
                apiVersion: tradu/v1
                kind: Pipeline
                metadata: {name: translate}
                spec: {dataset: docs, engine: llm, targetLanguages: \(languages)}

                """
        }
        try (text + more).write(toFile: "\(manifests)/project.yaml", atomically: true, encoding: .utf8)
    }

    var logger: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return logger
    }

    var resolver: DatabaseResolver {
        DatabaseResolver(explicitURL: databaseURL, home: root + "/.tradu", environmentVariables: [:])
    }

    var planner: PlanService { PlanService(resolver: resolver, logger: logger, projectRoot: root) }
    var applier: ApplyService { ApplyService(logger: logger, projectRoot: root) }

    func plan(_ environment: String = "dev") async throws -> PreparedPlan {
        let resolved = try planner.compile(directory: manifests, environment: environment)
        return try await planner.withStore(for: resolved) { store in
            let datasets = try await planner.readDatasets(
                resolved, erased: try await store.erasedDocuments(),
                kept: try await planner.keptBoundaries(resolved, store: store))
            return try await planner.plan(resolved, datasets: datasets, directory: manifests, store: store)
        }
    }

    /// Plans and applies under the lock, as `tradu apply --auto-approve` does.
    @discardableResult
    func apply(_ environment: String = "dev", allowMassCancel: Bool = false) async throws -> (
        PreparedPlan, AppliedRevision?
    ) {
        let resolved = try planner.compile(directory: manifests, environment: environment)
        let applier = self.applier
        let manifests = self.manifests
        return try await planner.withStore(for: resolved) { [planner] store in
            let datasets = try await planner.readDatasets(
                resolved, erased: try await store.erasedDocuments(),
                kept: try await planner.keptBoundaries(resolved, store: store))
            return try await applier.withLock(store, command: "apply", timeout: .seconds(5)) {
                let prepared = try await planner.plan(resolved, datasets: datasets, directory: manifests, store: store)
                let revision = try await applier.write(
                    prepared, to: store,
                    options: ApplyService.Options(message: "test", allowMassCancel: allowMassCancel, appliedBy: "test"))
                return (prepared, revision)
            }
        }
    }

    func store(_ environment: String = "dev") async throws -> Store {
        try await Store.open(url: databaseURL, schema: EnvironmentSchema(environment: environment))
    }
}
