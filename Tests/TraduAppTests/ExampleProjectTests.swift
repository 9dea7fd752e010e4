import Foundation
import Testing
import TraduApp
import TraduCore

@Suite struct ExampleProjectTests {
    @Test(arguments: ["dev", "staging", "prod"])
    func exampleManifestsAreValid(environment: String) throws {
        let validation = ManifestValidation(directory: RepositoryPaths.manifests, environment: environment)
        #expect(validation.diagnostics.map(\.description) == [])
        let resolved = try #require(validation.compiled.environments[environment])
        #expect(resolved.pipelines.count == 4)
        #expect(resolved.datasets.count == 4)
    }

    @Test func overridesApplyPerEnvironmentOnly() throws {
        let validation = ManifestValidation(directory: RepositoryPaths.manifests, environment: nil)
        let dev = try #require(validation.compiled.environments["dev"])
        let staging = try #require(validation.compiled.environments["staging"])
        #expect(dev.pipelines["help-center"]?.targetLanguages == ["fr", "de"])
        #expect(staging.pipelines["help-center"]?.targetLanguages == ["fr", "de", "es", "ja", "pt-BR"])
        #expect(dev.pipelines["help-center"]?.engine == "pseudo")
        #expect(staging.pipelines["help-center"]?.engine == "pseudo")
        #expect(staging.engines["llm"]?.rateLimit.requestsPerMinute == 300)
        #expect(dev.engines["llm"] == nil, "llm is scoped to staging and prod")
        let prod = try #require(validation.compiled.environments["prod"])
        #expect(prod.engines["llm"]?.model == staging.engines["llm"]?.model, "prod runs what staging validated")
        #expect(prod.environment.promotion?.from == "staging")
        #expect(prod.environment.promotion?.requireApproval == true)
        #expect(prod.environment.promotion?.allowDirectApply == false)
        #expect(staging.environment.promotion?.from == "dev")
        #expect(dev.retryPolicies["standard"]?.initialBackoff == DurationValue(milliseconds: 200))
        #expect(staging.environment.schema == "tradu_staging")
        #expect(dev.environment.schema == "tradu_dev")
    }

    @Test func validationReportsJSONDiagnosticsWithRanges() throws {
        let path = RepositoryPaths.badManifests + "/05-unknown-spec-key.yaml"
        let validation = ManifestValidation(loader: ManifestLoader(files: [path]), environment: nil)
        let json = validation.json
        #expect(json["formatVersion"] == .int(1))
        #expect(json["valid"] == .bool(false))
        guard case .array(let diagnostics)? = json["diagnostics"], let first = diagnostics.first else {
            Issue.record("no diagnostics array")
            return
        }
        #expect(first["severity"] == .string("error"))
        #expect(first["summary"] == .string("unknown key 'maxRecrods' in spec.blocks; did you mean 'maxRecords'?"))
        #expect(first["range"]?["start"]?["line"] == .int(9))
        #expect(first["range"]?["start"]?["column"] == .int(5))
    }

    @Test func aMissingFolderIsAnError() {
        let validation = ManifestValidation(directory: "/nonexistent/manifests", environment: nil)
        #expect(
            validation.diagnostics.map(\.description) == [
                "error: manifest folder '/nonexistent/manifests' does not exist"
            ])
    }
}
