import CLibPQ
import Logging

/// Routes server NOTICE/WARNING messages into swift-log instead of libpq's default, which prints to stderr.
final class NoticeSink: Sendable {
    let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    /// Installs the receiver on `connection`. The sink must outlive the connection (the actor owns both).
    func install(on connection: OpaquePointer) {
        _ = PQsetNoticeReceiver(connection, noticeReceiver, Unmanaged.passUnretained(self).toOpaque())
    }

    fileprivate func receive(_ result: OpaquePointer) {
        let severity = LibPQResult.severity(result) ?? "NOTICE"
        let message = LibPQResult.primaryMessage(result) ?? "(no message)"
        let level: Logger.Level =
            switch severity {
            case "WARNING": .warning
            // NOTICE is mostly chatter such as "relation already exists, skipping".
            default: .debug
            }
        logger.log(level: level, "\(message)", metadata: ["pg_severity": "\(severity)"])
    }
}

private let noticeReceiver: PQnoticeReceiver = { context, result in
    guard let context, let result else { return }
    Unmanaged<NoticeSink>.fromOpaque(context).takeUnretainedValue().receive(result)
}
