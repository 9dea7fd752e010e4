import Foundation
import Synchronization
import TraduEmbeddedPostgres

/// Servers and directories to remove when the test process exits (an `atexit` handler, since Swift Testing has
/// no process-wide teardown).
enum TestCleanup {
    private struct Entry: Sendable {
        var server: EmbeddedPostgres?
        var directory: String?
    }

    private static let entries = Mutex<[Entry]>([])

    private static let installHandler: Void = {
        atexit { TestCleanup.runAll() }
    }()

    static func register(_ server: EmbeddedPostgres?, directory: String?) {
        _ = installHandler
        entries.withLock { $0.append(Entry(server: server, directory: directory)) }
    }

    private static func runAll() {
        let all = entries.withLock { entries in
            defer { entries.removeAll() }
            return entries
        }
        // Servers first (their clusters may live outside the directories), then the directories.
        for entry in all {
            try? entry.server?.destroy()
        }
        for entry in all {
            if let directory = entry.directory { try? FileManager.default.removeItem(atPath: directory) }
        }
    }
}
