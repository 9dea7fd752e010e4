import ArgumentParser
import Logging
import TraduApp

/// Options every command takes: where the database is, and how to log.
struct GlobalOptions: ParsableArguments {
    @Option(help: "PostgreSQL URL (default: $TRADU_DATABASE_URL, else the embedded PostgreSQL under --home).")
    var databaseURL: String?

    @Option(help: "Folder of the embedded PostgreSQL (default: $TRADU_HOME, else ./.tradu).")
    var home: String?

    @Option(help: "Log format: text or json (default: text on a terminal, json otherwise).")
    var logFormat: LogFormatOption?

    @Option(
        help:
            "Log level: trace, debug, info, notice, warning, error, critical (default: $TRADU_LOG_LEVEL, else warning on a terminal, info otherwise)."
    )
    var logLevel: LogLevelOption?

    /// Resolves the database and starts logging. Call once per process, first thing in `run()`.
    func bootstrap(command: String) -> (DatabaseResolver, Logger) {
        let environment = ProcessEnvironment.snapshot
        let format: StructuredLogHandler.Format =
            logFormat?.format ?? (Console.isStandardErrorTerminal ? .text : .json)
        // On a terminal, people read progress and results; info lines are for log pipelines.
        let level =
            logLevel?.level ?? environment["TRADU_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) }
            ?? (Console.isStandardErrorTerminal ? .warning : .info)
        LoggingSystem.bootstrap { label in StructuredLogHandler(label: label, format: format, level: level) }
        TraduMetrics.bootstrap()
        var logger = Logger(label: "tradu")
        logger[metadataKey: "request_id"] = "\(RequestID.make())"
        logger[metadataKey: "command"] = "\(command)"
        return (DatabaseResolver(explicitURL: databaseURL, home: home, environmentVariables: environment), logger)
    }
}

struct LogFormatOption: ExpressibleByArgument {
    var format: StructuredLogHandler.Format

    init?(argument: String) {
        guard let format = StructuredLogHandler.Format(rawValue: argument) else { return nil }
        self.format = format
    }
}

struct LogLevelOption: ExpressibleByArgument {
    var level: Logger.Level

    init(_ level: Logger.Level) { self.level = level }

    init?(argument: String) {
        guard let level = Logger.Level(rawValue: argument) else { return nil }
        self.level = level
    }

    var defaultValueDescription: String { level.rawValue }
}
