import Testing

@testable import TraduCore

@Suite struct BlockLifecycleTests {
    /// The legal transitions, spelled out once more by hand: the table in the code must match exactly.
    static let expected: [(BlockState, BlockState, TransitionCause)] = [
        (.created, .enqueued, .schedule), (.created, .claimed, .schedule), (.claimed, .enqueued, .schedule),
        (.claimed, .created, .schedule),
        (.created, .cancelled, .schedule), (.claimed, .cancelled, .schedule), (.enqueued, .cancelled, .schedule),
        (.inProcess, .cancelled, .schedule),
        (.enqueued, .inProcess, .worker), (.inProcess, .completed, .worker), (.inProcess, .enqueued, .worker),
        (.inProcess, .enqueued, .retry), (.inProcess, .failed, .retry),
        (.inProcess, .enqueued, .watchdog), (.inProcess, .failed, .watchdog),
        (.failed, .enqueued, .operatorAction), (.cancelled, .enqueued, .operatorAction),
        (.created, .cancelled, .operatorAction), (.claimed, .cancelled, .operatorAction),
        (.enqueued, .cancelled, .operatorAction), (.inProcess, .cancelled, .operatorAction),
        (.failed, .cancelled, .operatorAction),
        (.claimed, .created, .rollout), (.enqueued, .created, .rollout), (.inProcess, .created, .rollout),
        (.completed, .created, .rollout), (.failed, .created, .rollout),
        (.created, .completed, .rollout), (.claimed, .completed, .rollout), (.enqueued, .completed, .rollout),
        (.inProcess, .completed, .rollout), (.failed, .completed, .rollout),
    ]

    @Test func everyLegalTransitionIsAllowed() throws {
        for (from, to, cause) in Self.expected {
            #expect(BlockLifecycle.isAllowed(from, to, cause: cause), "\(from) → \(to) (\(cause))")
            try BlockLifecycle.check(from, to, cause: cause)
        }
    }

    @Test func everyOtherTransitionIsRefused() {
        let legal = Set(Self.expected.map { "\($0.0)>\($0.1)>\($0.2)" })
        var refused = 0
        for cause in TransitionCause.allCases where cause != .plan {
            for from in BlockState.allCases {
                for to in BlockState.allCases where !legal.contains("\(from)>\(to)>\(cause)") {
                    #expect(!BlockLifecycle.isAllowed(from, to, cause: cause), "\(from) → \(to) (\(cause))")
                    #expect(throws: BlockLifecycle.IllegalTransition.self) {
                        try BlockLifecycle.check(from, to, cause: cause)
                    }
                    refused += 1
                }
            }
        }
        #expect(refused == 6 * 49 - Self.expected.count)
    }

    @Test func workersCannotTouchFinalBlocks() {
        for final in BlockState.allCases where final.isFinal {
            for to in BlockState.allCases {
                #expect(!BlockLifecycle.isAllowed(final, to, cause: .worker))
                #expect(!BlockLifecycle.isAllowed(final, to, cause: .watchdog))
            }
        }
    }

    @Test func aPlanMayResetAnyBlockButNeverToItself() {
        for from in BlockState.allCases where from != .created {
            #expect(BlockLifecycle.isAllowed(from, .created, cause: .plan))
        }
        #expect(!BlockLifecycle.isAllowed(.created, .created, cause: .plan))
        #expect(!BlockLifecycle.isAllowed(.created, .completed, cause: .plan))
    }

    @Test func aRolloutNeverTouchesCancelledBlocks() {
        for to in BlockState.allCases { #expect(!BlockLifecycle.isAllowed(.cancelled, to, cause: .rollout)) }
    }

    @Test func sourcesListTheStatesACauseMayLeave() {
        #expect(BlockLifecycle.sources(of: .inProcess, cause: .worker) == [.enqueued])
        #expect(BlockLifecycle.sources(of: .failed, cause: .retry) == [.inProcess])
    }
}
