import Crypto

/// One block cut from a dataset: its content hash (the block's identity), size, and position.
public struct CutBlock: Sendable, Hashable {
    /// SHA-256 of the records (ids and texts, length-prefixed), 128 bits: held as digits, not as a string (an
    /// environment of millions of blocks holds one per block while it plans).
    public var identity: CompactID
    /// The identity as 32 hex characters.
    public var hash: String { identity.string }
    /// Position in the dataset, from 0: for stable listings, never part of the identity.
    public var ordinal: Int
    public var recordCount: Int
    /// UTF-8 bytes of text.
    public var byteCount: Int64
    /// Unicode scalars of text: the input-size estimate (tokens ≈ characters / 4).
    public var characterCount: Int64
    /// The records as JSON Lines (`{"id":…,"text":…}`), only when the cutter keeps them (apply).
    public var records: String?
}

/// Cuts a stream of records into blocks, deterministically and with content-defined boundaries: after
/// each record, a boundary falls where a hash of the record's id lands below a threshold that grows with
/// the record's share of the limits, so an edit or an insertion moves only the boundaries next to it (later
/// blocks keep their content and their identity). A block also ends when the next record would break
/// `maxRecords` or `maxBytes`; a single record larger than `maxBytes` gets a block of its own.
///
/// Version 1 looks for a boundary after every record: blocks average about half the limits, and every block is
/// a request that repeats the system prompt. Version 2 (FastCDC's minimum size) looks for one only once a block
/// holds 65% of either limit, with a boundary expected every further 15%: blocks average about 80% of the
/// limits and about one block in ten is cut at the limit. The price of the minimum: a change that moves a
/// block's start can move the next boundaries too, until two cuts coincide again. Measured on 100,000 short
/// records (maxRecords 50), one record inserted at 100 positions: 1 block changed at most of them, more than 3 at
/// 4, 9 at worst; at another 30 positions, more than 3 at 6, 12 at worst (version 1: 1 to 3).
///
/// Version 3 keeps the environment's cut (`keptBoundaries`: the records that ended its blocks, the last block
/// aside). The records between two kept boundaries, a *segment*, were one block: they stay one block while they
/// fit the limits, and only a segment that outgrows them is cut again, by version 2's rule from its start. So an
/// insertion or an edit changes the one block it falls in (two blocks replace it when it overflows), a deletion
/// that removes a block's last record joins that block and the next, and nothing moves anywhere else. Records past
/// the last kept boundary form the last segment, so appending re-cuts only the last block. Without kept
/// boundaries (a dataset never cut) the whole dataset is one segment: version 2, except that a dataset that fits
/// in one block is one block.
public struct BlockCutter {
    /// The version new environments cut with.
    public static let latestVersion = 3
    public let sizing: BlockSizing
    public let keepsRecords: Bool
    /// Version 3: ids of the records after which the environment's current cut ended a block.
    public let keptBoundaries: Set<String>

    private var hasher = SHA256()
    private var count = 0
    private var bytes: Int64 = 0
    /// Records and bytes where the block ends, counting skipped records (`skip`); `count` and `bytes` are the
    /// block's own.
    private var filledCount = 0
    private var filledBytes: Int64 = 0
    private var characters: Int64 = 0
    private var records = ""
    private var nextOrdinal = 0
    /// Version 3: the current segment's records while they fit in one block (`keep` false for skipped ones).
    private var segment: [(record: SourceRecord, keep: Bool)] = []
    /// Records and bytes the segment's block would hold: skipped records hold no room (a kept boundary may fall
    /// after one, which then opens the next segment).
    private var segmentCount = 0
    private var segmentBytes: Int64 = 0
    /// Version 3: the current segment outgrew the limits and is being cut by version 2's rule.
    private var segmentOverflowed = false

    public init(sizing: BlockSizing, keepsRecords: Bool = false, keptBoundaries: Set<String> = []) {
        self.sizing = sizing
        self.keepsRecords = keepsRecords
        self.keptBoundaries = sizing.cutter >= 3 ? keptBoundaries : []
    }

    /// Adds a record, handing every block it closes to `emit` (none, one, or two when a record both
    /// overflows the current block and ends its own).
    public mutating func add(_ record: SourceRecord, emit: (CutBlock) throws -> Void) rethrows {
        try route(record, keep: true, emit: emit)
    }

    /// Counts a record toward where blocks end without putting it in one (an erased document): blocks end where
    /// they ended with it, so leaving a document out changes the one block that held it, not every block after.
    public mutating func skip(_ record: SourceRecord, emit: (CutBlock) throws -> Void) rethrows {
        try route(record, keep: false, emit: emit)
    }

    /// Closes the last, partial block.
    public mutating func finish() -> CutBlock? {
        if sizing.cutter >= 3, !segmentOverflowed, !segment.isEmpty { return closeSegment() }
        return close()
    }

    /// Version 3 buffers a segment while it fits in one block; versions 1 and 2 place every record at once.
    private mutating func route(_ record: SourceRecord, keep: Bool, emit: (CutBlock) throws -> Void) rethrows {
        guard sizing.cutter >= 3 else { return try place(record, keep: keep, emit: emit) }
        let endsSegment = !keptBoundaries.isEmpty && keptBoundaries.contains(record.id)
        if !segmentOverflowed {
            let size = keep ? Int64(record.text.utf8.count) : 0
            let count = keep ? 1 : 0
            if segmentCount + count <= sizing.maxRecords && segmentBytes + size <= sizing.maxBytes {
                segment.append((record, keep))
                segmentCount += count
                segmentBytes += size
                if endsSegment, let block = closeSegment() { try emit(block) }
                return
            }
            // The segment no longer fits: cut it from its start by version 2's rule.
            segmentOverflowed = true
            let buffered = segment
            segment = []
            segmentCount = 0
            segmentBytes = 0
            for entry in buffered { try place(entry.record, keep: entry.keep, emit: emit) }
        }
        try place(record, keep: keep, emit: emit)
        if endsSegment {
            if let block = close() { try emit(block) }
            segmentOverflowed = false
        }
    }

    /// The buffered segment as one block.
    private mutating func closeSegment() -> CutBlock? {
        for var entry in segment {
            if entry.keep { append(&entry.record, size: Int64(entry.record.text.utf8.count)) }
        }
        segment = []
        segmentCount = 0
        segmentBytes = 0
        return close()
    }

    private mutating func place(_ record: SourceRecord, keep: Bool, emit: (CutBlock) throws -> Void) rethrows {
        var record = record
        let size = Int64(record.text.utf8.count)
        if filledCount > 0, filledCount >= sizing.maxRecords || filledBytes + size > sizing.maxBytes {
            if let block = close() { try emit(block) }
        }
        let boundary = isBoundary(after: record, size: size)
        filledCount += 1
        filledBytes += size
        if keep { append(&record, size: size) }
        if boundary || filledCount >= sizing.maxRecords, let block = close() { try emit(block) }
    }

    private func isBoundary(after record: SourceRecord, size: Int64) -> Bool {
        let records = Double(max(sizing.maxRecords, 1))
        let byteLimit = Double(max(sizing.maxBytes, 1))
        let share: Double
        if sizing.cutter >= 2 {
            // Not before 65% of either limit; then a boundary expected every 15% more.
            let filled = max(Double(filledCount + 1) / records, Double(filledBytes + size) / byteLimit)
            guard filled >= 0.65 else { return false }
            share = 1 / (0.15 * records) + Double(size) / (0.15 * byteLimit)
        } else {
            // Probability ≈ 2/maxRecords + 2·size/maxBytes, so blocks fill to about half of either limit.
            share = 2.0 / records + 2.0 * Double(size) / byteLimit
        }
        if share >= 1 { return true }
        let threshold = UInt64(share * Double(UInt64.max >> 11)) << 11
        // Version 1 compares FNV-1a's raw bits, whose high bits follow sequential ids (`doc-1`, `doc-2`) in runs;
        // harmless without a minimum size, but with one, those runs run blocks into the limit, where a shifted
        // start propagates. Version 2 mixes the bits first (MurmurHash3's finaliser).
        let hash = ContentHash.fnv1a(record.id)
        return (sizing.cutter >= 2 ? Self.mixed(hash) : hash) < threshold
    }

    static func mixed(_ value: UInt64) -> UInt64 {
        var hash = value
        hash ^= hash >> 33
        hash &*= 0xff51_afd7_ed55_8ccd
        hash ^= hash >> 33
        hash &*= 0xc4ce_b9fe_1a85_ec53
        hash ^= hash >> 33
        return hash
    }

    private mutating func append(_ record: inout SourceRecord, size: Int64) {
        count += 1
        bytes += size
        withLengthPrefix(&record.id)
        withLengthPrefix(&record.text)
        characters += Int64(record.text.unicodeScalarCount)
        if keepsRecords {
            records += "{\"id\":"
            JSONValue.appendQuoted(record.id, to: &records)
            records += ",\"text\":"
            JSONValue.appendQuoted(record.text, to: &records)
            records += "}\n"
        }
    }

    private mutating func withLengthPrefix(_ text: inout String) {
        text.withUTF8 { buffer in
            var length = UInt64(buffer.count).littleEndian
            withUnsafeBytes(of: &length) { hasher.update(bufferPointer: $0) }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(buffer))
        }
    }

    /// Ends the current block; nil when it holds no record (only skipped ones, or none).
    private mutating func close() -> CutBlock? {
        filledCount = 0
        filledBytes = 0
        guard count > 0 else { return nil }
        let block = CutBlock(
            identity: ContentHash.compact(digest: hasher.finalize()), ordinal: nextOrdinal, recordCount: count,
            byteCount: bytes, characterCount: characters, records: keepsRecords ? records : nil)
        hasher = SHA256()
        nextOrdinal += 1
        count = 0
        bytes = 0
        characters = 0
        records = ""
        return block
    }
}
