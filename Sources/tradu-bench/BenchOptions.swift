import ArgumentParser
import Foundation
import Logging
import TraduApp

/// The options both benchmarks share: where the database and the temporary project live, what is kept, and
/// how results and logs are printed.
struct BenchOptions: ParsableArguments {
    @Option(help: "PostgreSQL URL (default: an embedded PostgreSQL in a temp home, durable: fsync on).")
    var databaseURL: String?

    @Flag(help: "Run the embedded PostgreSQL with fsync off. Every figure is then labelled UNSAFE (fsync off).")
    var unsafeFsyncOff = false

    @Option(
        name: .customLong("server-setting"),
        help: ArgumentHelp(
            "A setting of the embedded PostgreSQL, as NAME=VALUE (repeatable; e.g. max_wal_size=16GB). Printed with the results.",
            valueName: "name=value"))
    var serverSettings: [String] = []

    @Option(
        help: ArgumentHelp(
            "Create the run's database on the embedded PostgreSQL with this collation, as a managed service would: a libc locale (en_US.UTF-8) or icu:LOCALE (icu:en-US). Printed with the results.",
            valueName: "locale"))
    var databaseLocale: String?

    @Option(help: "Parent directory of the temporary project (and embedded PostgreSQL home).")
    var workDirectory = NSTemporaryDirectory()

    @Flag(help: "Keep the project directory, the database schema and reference data, and the embedded PostgreSQL.")
    var keep = false

    @Option(name: [.customShort("o"), .customLong("output")], help: "text or json.")
    var output: OutputFormat = .text

    @Option(help: "Log level (warning keeps the output quiet).")
    var logLevel = "warning"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("invalid --log-level") }
        if unsafeFsyncOff && databaseURL != nil {
            throw ValidationError("--unsafe-fsync-off applies to the embedded PostgreSQL, not to --database-url")
        }
        if !serverSettings.isEmpty && databaseURL != nil {
            throw ValidationError("--server-setting applies to the embedded PostgreSQL, not to --database-url")
        }
        if databaseLocale != nil && databaseURL != nil {
            throw ValidationError("--database-locale applies to the embedded PostgreSQL, not to --database-url")
        }
        if let databaseLocale, databaseLocale.isEmpty || databaseLocale == "icu:" {
            throw ValidationError("--database-locale '\(databaseLocale)' names no locale")
        }
        for setting in serverSettings where parsedSetting(setting) == nil {
            throw ValidationError("--server-setting '\(setting)' is not NAME=VALUE")
        }
    }

    /// These options as arguments, for a benchmark that runs itself again in a fresh process (without `--output`:
    /// the child's output goes where the parent says).
    var passedOn: [String] {
        var arguments = ["--work-directory", workDirectory, "--log-level", logLevel]
        if let databaseURL { arguments += ["--database-url", databaseURL] }
        if unsafeFsyncOff { arguments.append("--unsafe-fsync-off") }
        for setting in serverSettings { arguments += ["--server-setting", setting] }
        if let databaseLocale { arguments += ["--database-locale", databaseLocale] }
        if keep { arguments.append("--keep") }
        return arguments
    }

    /// `--server-setting`s as names and values.
    var settings: [String: String] {
        Dictionary(serverSettings.compactMap(parsedSetting), uniquingKeysWith: { _, last in last })
    }

    private func parsedSetting(_ text: String) -> (String, String)? {
        guard let equals = text.firstIndex(of: "=") else { return nil }
        let name = text[..<equals].trimmingCharacters(in: .whitespaces)
        let value = text[text.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, !value.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." })
        else {
            return nil
        }
        return (name, value)
    }

    /// Installs tradu's log handler at `--log-level` and returns the bench's logger.
    func bootstrapLogging() -> Logger {
        let level = Logger.Level(rawValue: logLevel) ?? .warning
        LoggingSystem.bootstrap { StructuredLogHandler(label: $0, format: .text, level: level) }
        return Logger(label: "tradu-bench")
    }

    /// Progress lines: on stdout for text output, on stderr when stdout carries the JSON result.
    func say(_ line: String) {
        if output == .text { print(line) } else { FileHandle.standardError.write(Data((line + "\n").utf8)) }
    }

    /// Prints a benchmark's result in the output format asked for.
    func emit(table: @autoclosure () -> String, json: @autoclosure () -> String) {
        print(output == .text ? table() : json())
    }
}

/// The manifests of a benchmark project: one JSONL dataset, the `pseudo` engine, one pipeline into French, and
/// the environment `bench` in `schema`; the block sizing and the extra engine and environment settings vary.
enum BenchManifests {
    static func project(schema: String, blocks: String, engineExtra: String = "", environmentExtra: String = "")
        -> String
    {
        """
        apiVersion: tradu/v1
        kind: Dataset
        metadata:
          name: bench-docs
        spec:
          source:
            path: data/docs.jsonl
          format: jsonl
          idField: id
          textField: text
          sourceLanguage: en
          blocks:
        \(blocks)
        ---
        apiVersion: tradu/v1
        kind: Engine
        metadata:
          name: pseudo
        spec:
          type: pseudo
        \(engineExtra)
        ---
        apiVersion: tradu/v1
        kind: Pipeline
        metadata:
          name: bench
        spec:
          dataset: bench-docs
          engine: pseudo
          targetLanguages: [fr]
        ---
        apiVersion: tradu/v1
        kind: Environment
        metadata:
          name: bench
        spec:
          schema: \(schema)
        \(environmentExtra)

        """
    }
}
