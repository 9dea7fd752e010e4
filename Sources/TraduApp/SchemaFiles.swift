import Foundation
import TraduCore

/// The files of `schemas/`: one `<kind>.schema.json` per kind, exactly what `tradu schema KIND` prints.
public enum SchemaFiles {
    public static func fileName(of kind: ManifestKind) -> String { "\(kind.fileStem).schema.json" }

    public static func contents(of kind: ManifestKind) -> String {
        JSONSchemaGenerator.schema(for: kind).encoded(pretty: true) + "\n"
    }

    public static func write(_ kind: ManifestKind, to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try contents(of: kind).write(toFile: "\(directory)/\(fileName(of: kind))", atomically: true, encoding: .utf8)
    }
}
