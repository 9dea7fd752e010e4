import Testing
import TraduCore

/// `EventCursor`: every id once, including ids that become visible after higher ones (late commits), gaps that
/// fill in pieces, and gaps that never fill.
@Suite struct EventCursorTests {
    @Test func contiguousIDsLeaveNoGap() {
        var cursor = EventCursor(after: 10)
        #expect(cursor.received([11, 12, 13], now: 0) == [11, 12, 13])
        #expect(cursor.after == 13)
        #expect(cursor.gaps.isEmpty)
    }

    @Test func anIDCommittedLateIsSeenOnceWhenItAppears() {
        var cursor = EventCursor(after: 0)
        #expect(cursor.received([1, 3, 4], now: 0) == [1, 3, 4])
        #expect(cursor.gaps.map(\.ids) == [2...2], "2 was skipped, so it is watched")
        #expect(cursor.received([5, 2], now: 1) == [2, 5], "the late one is handed on with the new one")
        #expect(cursor.gaps.isEmpty)
        #expect(cursor.received([2, 5], now: 2).isEmpty, "nothing is handed on twice")
    }

    @Test func aLongGapFillsInPieces() {
        var cursor = EventCursor(after: 0)
        _ = cursor.received([1, 100], now: 0)
        #expect(cursor.gaps.map(\.ids) == [2...99])
        #expect(cursor.received([10, 11, 50], now: 1) == [10, 11, 50])
        #expect(cursor.gaps.map(\.ids) == [2...9, 12...49, 51...99])
        #expect(cursor.received(Array(2...9), now: 2) == Array(2...9))
        #expect(cursor.gaps.map(\.ids) == [12...49, 51...99])
    }

    @Test func gapsThatNeverFillExpire() {
        var cursor = EventCursor(after: 0, expiry: 60)
        _ = cursor.received([1, 3], now: 0)
        _ = cursor.received([4, 6], now: 30)
        #expect(cursor.gaps.map(\.ids) == [2...2, 5...5])
        cursor.expire(now: 61)
        #expect(cursor.gaps.map(\.ids) == [5...5], "a rolled-back id stops being watched")
        #expect(cursor.received([2], now: 62).isEmpty, "an expired gap's id is not handed on")
    }

    @Test func theNumberOfGapsIsBounded() {
        var cursor = EventCursor(after: 0, maxGaps: 3)
        _ = cursor.received([2, 4, 6, 8, 10], now: 0)
        #expect(cursor.gaps.map(\.ids) == [5...5, 7...7, 9...9], "the oldest go first")
    }
}
