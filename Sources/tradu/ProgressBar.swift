import Foundation
import Synchronization
import TraduCore

/// A progress bar on standard error while blocks run, only on a terminal.
final class ProgressBar: Sendable {
    private let started = ContinuousClock.now
    private let drawn = Mutex(false)

    func draw(_ counts: [String: BlockCounts]) {
        guard Console.isStandardErrorTerminal else { return }
        let all = BlockCounts.sum(counts.values)
        let total = all.total
        guard total > 0 else { return }
        func sum(_ state: BlockState) -> Int { all.count(of: state) }
        let done = all.finalCount
        let width = 30
        let filled = width * done / total
        let elapsed = (ContinuousClock.now - started).seconds + 0.001
        let rate = Double(sum(.completed)) / elapsed
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        Console.errorInline(
            "\r\u{1B}[2K\(bar) \(done)/\(total) blocks  completed \(sum(.completed))  running \(sum(.inProcess))"
                + "  failed \(sum(.failed))  \(Int(rate)) blocks/s")
        drawn.withLock { $0 = true }
    }

    func finish() {
        if drawn.withLock({ $0 }) { Console.errorInline("\n") }
    }
}
