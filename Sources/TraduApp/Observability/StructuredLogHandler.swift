import Foundation
import Logging
import Synchronization
import TraduCore

/// A swift-log handler that writes one JSON object per line (or a readable line on a terminal) to
/// standard error: timestamp (RFC 3339, UTC, milliseconds), level, message, then the context fields
/// (`request_id`, `env`, `pipeline`, `block_id`, ...) as top-level keys.
public struct StructuredLogHandler: LogHandler {
    public enum Format: String, Sendable, CaseIterable {
        case json
        case text
    }

    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    private let format: Format

    public init(label: String, format: Format, level: Logger.Level) {
        self.label = label
        self.format = format
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = metadata
        if let extra = event.metadata { fields.merge(extra) { _, new in new } }
        let line: String
        switch format {
        case .json:
            var object = "{\"ts\":\"\(Self.timestamp())\",\"level\":\"\(event.level)\",\"logger\":"
            object += Self.quoted(label) + ",\"msg\":" + Self.quoted(event.message.description)
            for key in fields.keys.sorted() {
                object += "," + Self.quoted(key) + ":" + Self.json(fields[key]!)
            }
            line = object + "}\n"
        case .text:
            let context = fields.keys.sorted().map { "\($0)=\(fields[$0]!)" }.joined(separator: " ")
            line = "\(Self.timestamp()) \(event.level) \(event.message)\(context.isEmpty ? "" : " " + context)\n"
        }
        Self.writeToStandardError(line)
    }

    /// One `write(2)` per line, straight from the string's bytes (no `Data` copy): at debug level a busy worker
    /// writes a line per block transition.
    static func writeToStandardError(_ line: String) {
        var line = line
        line.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(2, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0, errno == EINTR { continue }
                guard written > 0 else { return }
                offset += written
            }
        }
    }

    private static func json(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let text): quoted(text)
        case .stringConvertible(let convertible):
            if let number = convertible as? any BinaryInteger { "\(number)" } else { quoted(convertible.description) }
        case .array(let values): "[" + values.map(json).joined(separator: ",") + "]"
        case .dictionary(let members):
            "{" + members.keys.sorted().map { quoted($0) + ":" + json(members[$0]!) }.joined(separator: ",") + "}"
        }
    }

    private static func quoted(_ text: String) -> String {
        var out = ""
        JSONValue.appendQuoted(text, to: &out)
        return out
    }

    /// `2026-11-23T13:11:32.123Z` via gmtime_r + strftime: log lines are hot, formatters are slow.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let seconds = now.tv_sec
        // The date and time to the second change once a second: formatted once, reused by every line of it.
        let base =
            secondCache.withLock { cache -> String? in cache.seconds == seconds ? cache.text : nil }
            ?? {
                var seconds = seconds
                var parts = tm()
                gmtime_r(&seconds, &parts)
                var buffer = [Int8](repeating: 0, count: 32)
                let length = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S", &parts)
                let text = String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
                secondCache.withLock { $0 = (seconds, text) }
                return text
            }()
        let millis = Int(now.tv_nsec / 1_000_000)
        return base + "." + (millis < 10 ? "00" : millis < 100 ? "0" : "") + String(millis) + "Z"
    }

    private static let secondCache = Mutex<(seconds: Int, text: String)>((-1, ""))
}
