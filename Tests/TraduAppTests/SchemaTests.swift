import Foundation
import Testing
import TraduApp
import TraduCore
import TraduTestSupport

@Suite struct SchemaTests {
    @Test(arguments: ManifestKind.allCases)
    func schemasFolderMatchesTheCode(kind: ManifestKind) throws {
        let path = RepositoryPaths.schemas + "/" + SchemaFiles.fileName(of: kind)
        let onDisk = try String(contentsOfFile: path, encoding: .utf8)
        #expect(
            onDisk == SchemaFiles.contents(of: kind),
            "schemas/ is out of date: run `swift run tradu schema --write schemas`")
    }

    /// An independent validator (Python's jsonschema) checks every example manifest against schemas/, and
    /// confirms that bad manifests fail the schemas too.
    @Test func exampleManifestsPassTheJSONSchemasInAnIndependentValidator() async throws {
        let validation = ManifestValidation(directory: RepositoryPaths.manifests, environment: nil)
        #expect(validation.isValid)
        let documents = validation.loaded.documents.map(\.json)
        #expect(documents.count >= 10)
        let errors = try await Self.schemaErrorCounts(documents)
        #expect(errors == Array(repeating: 0, count: documents.count))
    }

    @Test(arguments: [
        "05-unknown-spec-key", "11-bad-size", "15-bad-name", "20-literal-api-key", "26-bad-format-choice",
    ])
    func badManifestsFailTheJSONSchemasToo(name: String) async throws {
        let path = RepositoryPaths.badManifests + "/\(name).yaml"
        let loaded = ManifestLoader(files: [path]).load()
        let documents = loaded.documents.map(\.json).filter { $0["kind"] != .string("Environment") }
        #expect(documents.count == 1)
        #expect(try await Self.schemaErrorCounts(documents).allSatisfy { $0 > 0 })
    }

    /// The number of schema violations Python's jsonschema finds in each document.
    static func schemaErrorCounts(_ documents: [JSONValue]) async throws -> [Int] {
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("tradu-docs-\(UUID()).json")
        try JSONValue.array(documents).encoded().write(to: input, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: input) }
        let script = """
            import json, sys, pathlib
            from jsonschema import Draft202012Validator
            schemas = {p.name: json.loads(p.read_text()) for p in pathlib.Path(sys.argv[1]).glob('*.schema.json')}
            for schema in schemas.values():
                Draft202012Validator.check_schema(schema)
            counts = []
            for doc in json.loads(pathlib.Path(sys.argv[2]).read_text()):
                schema = schemas[doc['kind'].lower() + '.schema.json']
                errors = list(Draft202012Validator(schema).iter_errors(doc))
                for e in errors:
                    print(doc['kind'], doc['metadata'].get('name'), list(e.path), e.message, file=sys.stderr)
                counts.append(len(errors))
            print(json.dumps(counts))
            """
        let (status, output) = try await onOwnThread {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-c", script, RepositoryPaths.schemas, input.path]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, output)
        }
        try #require(status == 0, "python3 with jsonschema must be installed (.ci/run does it)")
        let last = output.split(separator: "\n").last.map(String.init) ?? ""
        return last.dropFirst().dropLast().split(separator: ",").compactMap {
            Int($0.trimmingCharacters(in: .whitespaces))
        }
    }
}
