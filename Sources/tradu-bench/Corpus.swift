import Foundation
import TraduCore

/// Deterministic synthetic corpus: `{"id":"doc-0000001","text":"..."}` lines of about 1 KiB, where the text
/// of document `i` depends only on `i` (same index, same bytes, every run and machine).
enum Corpus {
    /// Target size of one JSONL line, newline included.
    static let targetLineBytes = 1024

    private static let words: [[UInt8]] = {
        let list = """
            the a an of to in for on with by from at as into about after before between during without under \
            account settings password reset invoice billing payment refund order shipping delivery tracking \
            customer support ticket agent request response issue error message screen button menu page window \
            profile email address phone number language region country currency price discount coupon cart \
            checkout product catalog item size colour weight warranty return exchange policy terms privacy data \
            export import backup restore device tablet laptop browser application update version release feature \
            notification reminder calendar meeting schedule team member role permission access administrator \
            report dashboard chart filter search result document file folder upload download share link preview \
            please click select choose enter open close save cancel confirm delete edit create review approve \
            quickly easily securely automatically manually usually often never always sometimes again also only \
            new old current previous next first last every each other several many few more less same different \
            available required optional invalid expired pending completed failed successful temporary permanent \
            you your we our it its they their this that these those which when where how why what who whose \
            can will should must may might could would need want try see find use make keep get give take \
            Zürich café naïve résumé déjà façade Ångström São Paulo München Kraków
            """
        return list.split(whereSeparator: { $0 == " " || $0 == "\n" }).map { Array($0.utf8) }
    }()

    private static let endings: [[UInt8]] = [
        Array(". ".utf8), Array(". ".utf8), Array(". ".utf8), Array("? ".utf8), Array("! ".utf8),
        Array(", ".utf8), Array("; ".utf8), Array(": ".utf8),
    ]

    /// Draws for the text: SplitMix64, tiny, fast, and good enough for varied text.
    struct Random {
        var generator: SplitMix64
        init(state: UInt64) { generator = SplitMix64(seed: state) }
        mutating func below(_ n: Int) -> Int { Int(generator.next() % UInt64(n)) }
    }

    /// Appends document `index`'s line (with its newline) to `out`: about `lineBytes` bytes (±12%).
    static func appendLine(index: Int, lineBytes: Int = targetLineBytes, to out: inout [UInt8]) {
        var random = Random(state: UInt64(index) &* 0x2545_F491_4F6C_DD1D ^ 0x5851_F42D_4C95_7F2D)
        let start = out.count
        out.append(contentsOf: #"{"id":"doc-"#.utf8)
        var digits = [UInt8](repeating: UInt8(ascii: "0"), count: 7)
        var value = index
        var position = 6
        while value > 0 && position >= 0 {
            digits[position] = UInt8(ascii: "0") + UInt8(value % 10)
            value /= 10
            position -= 1
        }
        if index >= 10_000_000 { out.append(contentsOf: String(index).utf8) } else { out.append(contentsOf: digits) }
        out.append(contentsOf: #"","text":""#.utf8)
        // Leave room for the closing `"}` and the newline; vary the length a little (±12%).
        let jitter = max(1, lineBytes * 120 / 1024)
        let budget = lineBytes - 3 - jitter + random.below(2 * jitter)
        var capitalise = true
        var wordsInSentence = 0
        var sentenceLength = 6 + random.below(14)
        while out.count - start < budget {
            var word = words[random.below(words.count)]
            if capitalise, let first = word.first, first >= UInt8(ascii: "a"), first <= UInt8(ascii: "z") {
                word[0] = first - 32
            }
            capitalise = false
            if random.below(97) == 0 {
                out.append(contentsOf: #"\""#.utf8)
                out.append(contentsOf: word)
                out.append(contentsOf: #"\""#.utf8)
            } else if random.below(53) == 0 {
                out.append(contentsOf: "{name}".utf8)
            } else {
                out.append(contentsOf: word)
            }
            wordsInSentence += 1
            if wordsInSentence >= sentenceLength {
                let ending = endings[random.below(endings.count)]
                out.append(contentsOf: ending)
                capitalise =
                    ending[0] != UInt8(ascii: ",") && ending[0] != UInt8(ascii: ";")
                    && ending[0] != UInt8(ascii: ":")
                wordsInSentence = 0
                sentenceLength = 6 + random.below(14)
                if random.below(9) == 0 { out.append(contentsOf: #"\n"#.utf8) }
            } else {
                out.append(UInt8(ascii: " "))
            }
        }
        // Drop a trailing space, close the sentence.
        while let last = out.last, last == UInt8(ascii: " ") { out.removeLast() }
        out.append(contentsOf: #"."}"#.utf8)
        out.append(UInt8(ascii: "\n"))
    }

    /// Writes documents 1...count to `path` (lines of about `lineBytes`); returns the number of bytes written.
    static func write(count: Int, lineBytes: Int = targetLineBytes, to path: String) throws -> Int64 {
        guard let file = fopen(path, "wb") else {
            throw BenchFailure("cannot create \(path): \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(8 << 20 + 4096)
        var total: Int64 = 0
        for index in 1...max(count, 1) where count > 0 {
            appendLine(index: index, lineBytes: lineBytes, to: &buffer)
            if buffer.count >= 8 << 20 {
                total += try flush(&buffer, file, path)
            }
        }
        total += try flush(&buffer, file, path)
        // On disk before anything is timed: at 10M documents the kernel would otherwise write back 1.9 GiB of
        // the corpus during the apply, competing with the server's WAL flushes, and the smaller sizes' few
        // hundred MiB would not, flattering them.
        guard fflush(file) == 0, fsync(fileno(file)) == 0 else {
            throw BenchFailure("cannot write \(path) to disk: \(String(cString: strerror(errno)))")
        }
        return total
    }

    private static func flush(_ buffer: inout [UInt8], _ file: UnsafeMutablePointer<FILE>, _ path: String) throws
        -> Int64
    {
        let written = buffer.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        guard written == buffer.count else {
            throw BenchFailure("short write to \(path): \(String(cString: strerror(errno)))")
        }
        buffer.removeAll(keepingCapacity: true)
        return Int64(written)
    }
}

/// The lines of a file, one `[line]` row at a time, read in 4 MiB chunks: a streaming source for COPY that
/// never holds more than a chunk. Nonisolated: it runs on the connection's thread.
struct FileLines: Sequence {
    let path: String

    func makeIterator() -> Iterator { Iterator(path: path) }

    final class Iterator: IteratorProtocol {
        private let file: UnsafeMutablePointer<FILE>?
        private var chunk: [UInt8] = []
        private var position = 0
        private var atEnd = false
        private(set) var bytes: Int64 = 0

        init(path: String) {
            file = fopen(path, "rb")
            chunk.reserveCapacity(4 << 20)
        }

        deinit { if let file { fclose(file) } }

        func next() -> [String?]? {
            guard let file else { return nil }
            var carry: [UInt8] = []
            while true {
                if position < chunk.count {
                    let found = chunk[position...].firstIndex(of: UInt8(ascii: "\n"))
                    if let found {
                        let line: String
                        if carry.isEmpty {
                            line = String(decoding: chunk[position..<found], as: UTF8.self)
                        } else {
                            carry += chunk[position..<found]
                            line = String(decoding: carry, as: UTF8.self)
                        }
                        position = found + 1
                        return [line]
                    }
                    carry += chunk[position...]
                    position = chunk.count
                }
                if atEnd {
                    return carry.isEmpty ? nil : [String(decoding: carry, as: UTF8.self)]
                }
                chunk.removeAll(keepingCapacity: true)
                chunk.append(contentsOf: repeatElement(0, count: 4 << 20))
                let read = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
                chunk.removeLast(chunk.count - read)
                bytes += Int64(read)
                position = 0
                if read == 0 { atEnd = true }
            }
        }
    }
}

struct BenchFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
