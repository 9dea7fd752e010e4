import Foundation
import Synchronization

/// A progress bar on standard error while blocks run, only on a terminal.
final class ProgressBar: Sendable {
    private let started = ContinuousClock.now
    private let drawn = Mutex(false)

    func draw(_ counts: [String: [String: Int]]) {
        guard Console.isStandardErrorTerminal else { return }
        let total = counts.values.reduce(0) { $0 + $1.values.reduce(0, +) }
        guard total > 0 else { return }
        func sum(_ state: String) -> Int { counts.values.reduce(0) { $0 + ($1[state] ?? 0) } }
        let done = sum("completed") + sum("failed") + sum("cancelled")
        let width = 30
        let filled = width * done / total
        let elapsed = Double((ContinuousClock.now - started).components.seconds) + 0.001
        let rate = Double(sum("completed")) / elapsed
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        Console.errorInline(
            "\r\u{1B}[2K\(bar) \(done)/\(total) blocks  completed \(sum("completed"))  running \(sum("in_process"))"
                + "  failed \(sum("failed"))  \(Int(rate)) blocks/s")
        drawn.withLock { $0 = true }
    }

    func finish() {
        if drawn.withLock({ $0 }) { Console.errorInline("\n") }
    }
}
