import Testing
import TraduCore

/// `WorkerLeases`: every event in every phase (running, draining, stopped), fed directly; no I/O, no clock.
@Suite struct WorkerLeasesTests {
    struct Block: Leased {
        var id: String
        var attempt: Int
    }

    static func block(_ id: String, _ attempt: Int = 1) -> Block { Block(id: id, attempt: attempt) }

    static func leases(concurrency: Int = 2, prefetchCap: Int = 8, maxClaim: Int = 512) -> WorkerLeases<Block> {
        WorkerLeases(settings: .init(concurrency: concurrency, prefetchCap: prefetchCap, maxClaim: maxClaim))
    }

    let start = ContinuousClock.now

    // MARK: Claiming while running

    @Test func anIdleWorkerClaimsTheSlotsPlusTheMinimumPrefetch() {
        var leases = Self.leases(concurrency: 2)
        // No rate measured yet: the slots plus one slot's worth each.
        #expect(leases.nextClaim(now: start) == .claim(limit: 4))
    }

    @Test func claimsWaitUntilHalfTheTargetIsFree() {
        var leases = Self.leases(concurrency: 2)
        #expect(leases.claimed([Self.block("a"), Self.block("b"), Self.block("c")]) == .process)
        // Target 4, 3 held: room 1 < half, and the slots are covered.
        #expect(leases.nextClaim(now: start) == .waitForRoom)
        leases.settled([Self.block("a")])
        #expect(leases.nextClaim(now: start) == .claim(limit: 2))
    }

    @Test func aSlotThatWouldIdleAlwaysClaims() {
        var leases = Self.leases(concurrency: 4, prefetchCap: 0)
        // Target = 4 slots + min(cap 0, ...) = 4; 3 held < 4 slots: claim even though room is only 1.
        _ = leases.claimed([Self.block("a"), Self.block("b"), Self.block("c")])
        #expect(leases.nextClaim(now: start) == .claim(limit: 1))
    }

    /// Engines that run fewer blocks at once than the worker has slots (an engine of `concurrency: 2`, 32 slots):
    /// the worker holds what they can run plus the prefetch, not what its slots could; blocks held beyond would wait
    /// at the engine's gate with their timeouts running. Unbounded again, the slots.
    @Test func theEnginesCapacityBoundsWhatAWorkerHolds() {
        var leases = Self.leases(concurrency: 32, prefetchCap: 64)
        leases.limitSlots(to: 2)
        #expect(leases.concurrency == 2)
        #expect(leases.nextClaim(now: start) == .claim(limit: 4))
        _ = leases.claimed((0..<4).map { Self.block("b\($0)") })
        #expect(leases.nextClaim(now: start) == .waitForRoom)
        // More capacity than slots changes nothing; none is no bound.
        leases.limitSlots(to: 100)
        #expect(leases.concurrency == 32)
        leases.limitSlots(to: nil)
        #expect(leases.concurrency == 32)
        #expect(leases.nextClaim(now: start) == .claim(limit: 60))
        // A capacity of zero (no engine) still lets one block through, to fail with its reason.
        leases.limitSlots(to: 0)
        #expect(leases.concurrency == 1)
    }

    @Test func aClaimNeverAsksForMoreThanMaxClaim() {
        var leases = Self.leases(concurrency: 600, prefetchCap: 0, maxClaim: 512)
        #expect(leases.nextClaim(now: start) == .claim(limit: 512))
    }

    @Test func theTargetGrowsWithTheMeasuredRateWithinTheCap() {
        var leases = Self.leases(concurrency: 2, prefetchCap: 50)
        #expect(leases.target(now: start) == 4)
        // 100 blocks finish in one second: about one second of work is prefetched, capped at 50.
        let blocks = (0..<100).map { Self.block("b\($0)") }
        _ = leases.claimed(blocks)
        leases.settled(blocks)
        #expect(leases.target(now: start + .seconds(1)) == 52)
        // A slow engine: the rate decays and the prefetch shrinks back to the slots' worth.
        var slow = Self.leases(concurrency: 2, prefetchCap: 50)
        #expect(slow.target(now: start) == 4)
        #expect(slow.target(now: start + .seconds(1)) == 4)
    }

    /// Claims as the worker makes them: ask, get `available` of what was asked (all of it by default), start and
    /// finish every block in a slot; `commit` settles what was finished before. Returns the claim sizes asked for.
    static func run(
        _ leases: inout WorkerLeases<Block>, claims: Int, at now: ContinuousClock.Instant,
        available: (Int) -> Int = { $0 }, finish: Bool = true, commit: Bool = false
    ) -> [Int] {
        var asked: [Int] = []
        var awaiting: [Block] = []
        for round in 0..<claims {
            guard case .claim(let limit) = leases.nextClaim(now: now) else {
                if commit {
                    leases.settled(awaiting)
                    awaiting = []
                }
                continue
            }
            asked.append(limit)
            let blocks = (0..<available(limit)).map { block("r\(round)-\($0)") }
            _ = leases.claimed(blocks)
            guard finish else { continue }
            for block in blocks {
                _ = leases.slotStarts(block)
                #expect(leases.slotFinished(block) == .commit)
            }
            awaiting += blocks
        }
        return asked
    }

    @Test func aWorkerHeldBackByItsOwnTargetDoublesItAtEachClaim() {
        var leases = Self.leases(concurrency: 4, prefetchCap: 1024)
        // A fast engine: every claimed block is finished before the next claim, and committed while the worker
        // waits for room. The prefetch doubles at each claim (4, 8, 16, ...) up to the cap; no claim asks for
        // more than `maxClaim`.
        let asked = Self.run(&leases, claims: 20, at: start, commit: true)
        #expect(Array(asked.prefix(9)) == [8, 12, 20, 36, 68, 132, 260, 512, 512], "\(asked)")
        #expect(leases.target(now: start) == 4 + 1024)
    }

    @Test func slowStartWaitsForBlocksToFinishAndForAFullQueue() {
        // A slow engine: nothing finishes, the target stays the slots' worth.
        var slow = Self.leases(concurrency: 4, prefetchCap: 1024)
        #expect(Self.run(&slow, claims: 5, at: start, finish: false) == [8])
        #expect(slow.target(now: start) == 8)
        // A short queue: claims get less than they ask, so the target is not what holds the worker back.
        var short = Self.leases(concurrency: 4, prefetchCap: 1024)
        let asked = Self.run(&short, claims: 5, at: start, available: { $0 / 2 }, commit: true)
        #expect(asked.allSatisfy { $0 <= 8 }, "\(asked)")
        #expect(short.target(now: start) == 8)
    }

    @Test func aClosedRateWindowEndsSlowStart() {
        var leases = Self.leases(concurrency: 2, prefetchCap: 1000)
        #expect(leases.target(now: start) == 4)
        _ = Self.run(&leases, claims: 10, at: start, commit: true)
        #expect(leases.target(now: start) == 2 + 64)
        // Ten seconds later the window closes: the rate measured over it (every block finished so far, over ten
        // seconds) takes over, far below what slow start had reached, which lapses.
        let finished = leases.finishedCount
        #expect(finished > 0)
        #expect(leases.target(now: start + .seconds(10)) == 2 + max(2, finished / 10))
    }

    // MARK: Processing

    @Test func aHeldBlockIsProcessedAndCommitted() {
        var leases = Self.leases()
        let a = Self.block("a")
        _ = leases.claimed([a])
        #expect(leases.slotStarts(a) == .process)
        #expect(leases.slotFinished(a) == .commit)
        #expect(leases.holds(a), "held until the outcome is settled")
        leases.settled([a])
        #expect(!leases.holds(a))
        #expect(leases.finishedCount == 1)
    }

    @Test func aBlockNotHeldIsSkipped() {
        var leases = Self.leases()
        #expect(leases.slotStarts(Self.block("never-claimed")) == .skip)
    }

    @Test func anOlderAttemptIsNotTheHeldLease() {
        var leases = Self.leases()
        _ = leases.claimed([Self.block("a", 2)])
        #expect(!leases.holds(Self.block("a", 1)))
        #expect(leases.slotStarts(Self.block("a", 1)) == .skip)
        leases.settled([Self.block("a", 1)])
        #expect(leases.holds(Self.block("a", 2)), "settling an old attempt leaves the new lease alone")
        #expect(leases.finishedCount == 0)
    }

    // MARK: Lease loss

    @Test func aRenewalThatKeepsEverythingLosesNothing() {
        var leases = Self.leases()
        let held = [Self.block("a"), Self.block("b")]
        _ = leases.claimed(held)
        let loss = leases.renewed(held, kept: ["a", "b"])
        #expect(loss.lost.isEmpty && loss.stopProcessing.isEmpty)
        #expect(leases.heldCount == 2)
    }

    @Test func aLostLeaseStopsItsRunningBlockAndSkipsTheOthers() {
        var leases = Self.leases()
        let (a, b, c) = (Self.block("a"), Self.block("b"), Self.block("c"))
        _ = leases.claimed([a, b, c])
        #expect(leases.slotStarts(a) == .process)
        let loss = leases.renewed([a, b, c], kept: ["c"])
        #expect(Set(loss.lost) == [a, b])
        #expect(loss.stopProcessing == [a], "only a was running")
        #expect(leases.slotFinished(a) == .discard, "its outcome belongs to someone else now")
        #expect(leases.slotStarts(b) == .skip)
        #expect(leases.holds(c))
        #expect(leases.finishedCount == 2, "lost leases free room for new claims")
    }

    @Test func aLeaseClaimedAgainDuringTheRenewalIsNotLost() {
        var leases = Self.leases()
        _ = leases.claimed([Self.block("a", 1)])
        let asked = leases.leasesToRenew
        // Meanwhile the block was requeued and this worker claimed attempt 2.
        leases.settled([Self.block("a", 1)])
        _ = leases.claimed([Self.block("a", 2)])
        let loss = leases.renewed(asked, kept: [])
        #expect(loss.lost.isEmpty)
        #expect(leases.holds(Self.block("a", 2)))
    }

    @Test func aBlockWhoseOutcomeAwaitsItsCommitIsLeftToTheCommit() {
        var leases = Self.leases()
        let (a, b) = (Self.block("a"), Self.block("b"))
        _ = leases.claimed([a, b])
        _ = leases.slotStarts(a)
        #expect(leases.slotFinished(a) == .commit)
        let asked = leases.leasesToRenew
        // The renewal ran just after the commit of a's outcome completed it, and answered first.
        let loss = leases.renewed(asked, kept: [])
        #expect(loss.lost == [b], "b waited for a slot: its lease is lost")
        #expect(loss.stopProcessing.isEmpty)
        #expect(leases.holds(a), "a is the commit's to settle")
        leases.settled([a])
        #expect(!leases.holds(a))
        #expect(leases.finishedCount == 2)
    }

    @Test func beingDeclaredDeadLosesEveryLease() {
        var leases = Self.leases()
        let (a, b) = (Self.block("a"), Self.block("b"))
        _ = leases.claimed([a, b])
        _ = leases.slotStarts(b)
        let loss = leases.declaredDead()
        #expect(Set(loss.lost) == [a, b])
        #expect(loss.stopProcessing == [b])
        #expect(leases.heldCount == 0)
        #expect(leases.nextClaim(now: start) == .claim(limit: 4), "a rejoined worker claims again")
    }

    // MARK: Draining

    @Test func drainingReleasesUnstartedBlocksAndKeepsRunningOnes() {
        var leases = Self.leases()
        let (a, b, c) = (Self.block("a"), Self.block("b"), Self.block("c"))
        _ = leases.claimed([a, b, c])
        _ = leases.slotStarts(a)
        #expect(Set(leases.drain()) == [b, c])
        #expect(leases.isDraining && !leases.isStopped)
        #expect(leases.nextClaim(now: start) == .stop)
        #expect(leases.slotStarts(b) == .skip, "released blocks are not processed")
        #expect(leases.leasesToRenew == [a], "the running block's lease is still renewed")
        #expect(leases.drain().isEmpty, "a second drain gives nothing back")
        #expect(leases.slotFinished(a) == .commit)
        leases.settled([a])
        #expect(leases.isStopped, "stopped once nothing is held")
    }

    @Test func aClaimThatReturnsWhileDrainingIsReleasedAtOnce() {
        var leases = Self.leases()
        _ = leases.drain()
        #expect(leases.isStopped, "nothing held: stopped at once")
        let late = [Self.block("x")]
        #expect(leases.claimed(late) == .release(late))
        #expect(leases.claimed([]) == .process)
        #expect(!leases.holds(late[0]))
    }

    @Test func theGraceEndingReleasesWhatStillRuns() {
        var leases = Self.leases()
        let a = Self.block("a")
        _ = leases.claimed([a])
        _ = leases.slotStarts(a)
        _ = leases.drain()
        let loss = leases.graceEnded()
        #expect(loss.lost == [a] && loss.stopProcessing == [a])
        #expect(leases.isStopped)
        #expect(leases.slotFinished(a) == .discard)
    }

    @Test func leaseLossWhileDrainingStopsTheWorkerOnceNothingIsHeld() {
        var leases = Self.leases()
        let a = Self.block("a")
        _ = leases.claimed([a])
        _ = leases.slotStarts(a)
        _ = leases.drain()
        _ = leases.renewed([a], kept: [])
        #expect(leases.isStopped)
    }

    // MARK: Stopped

    @Test func aStoppedWorkerClaimsNothingAndIgnoresLateEvents() {
        var leases = Self.leases()
        let a = Self.block("a")
        _ = leases.claimed([a])
        leases.stop()
        #expect(leases.isStopped)
        #expect(leases.nextClaim(now: start) == .stop)
        #expect(leases.claimed([Self.block("b")]) == .release([Self.block("b")]))
        #expect(leases.drain().isEmpty, "stopping outright skips the drain")
        #expect(leases.graceEnded().lost == [a], "what is still held can be released")
        #expect(leases.declaredDead().lost.isEmpty)
    }
}
