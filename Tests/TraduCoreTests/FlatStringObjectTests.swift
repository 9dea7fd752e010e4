import Foundation
import Testing
import TraduCore

@Suite struct FlatStringObjectTests {
    private func members(_ json: String) -> [(key: String, value: String)]? {
        var json = json
        return json.withUTF8 { FlatStringObject.members($0) }
    }

    private func pairs(_ json: String) -> [String]? {
        members(json)?.map { "\($0.key)=\($0.value)" }
    }

    @Test func readsTheRecordsTraduWrites() {
        #expect(pairs(#"{"id":"p-1","text":"Hello"}"#) == ["id=p-1", "text=Hello"])
        #expect(pairs(#"{}"#) == [])
        #expect(pairs(" {\t\"a\" :\r\n \"b\" , \"c\":\"\"} ") == ["a=b", "c="], "JSON whitespace between tokens")
        #expect(pairs(#"{"text":"Grüße 日本 👩‍👩‍👧"}"#) == ["text=Grüße 日本 👩‍👩‍👧"], "UTF-8 taken as it is")
    }

    @Test func decodesEveryEscape() {
        #expect(
            pairs(#"{"t":"q\" b\\ s\/ \b\f\n\r\t end"}"#) == ["t=q\" b\\ s/ \u{8}\u{C}\n\r\t end"])
        #expect(pairs(#"{"t":"\u00e9\u00C9 \u0001 \u65e5"}"#) == ["t=éÉ \u{1} 日"])
        #expect(pairs(#"{"t":"\ud83d\ude00!"}"#) == ["t=😀!"], "a surrogate pair is one scalar")
        #expect(pairs(#"{"t":"\u0000"}"#) == ["t=\u{0}"], "a NUL is read; the worker refuses it later, named")
    }

    /// Whatever it does not read in full answers nil: the caller hands the line to a general parser.
    @Test func answersNilForWhatItDoesNotRead() {
        let refused = [
            #"{"id":"a","n":1}"#, #"{"id":["a"]}"#, #"{"id":null}"#, #"["a"]"#, #""a""#, "",
            #"{"id":"a"} trailing"#, #"{"id":"a",}"#, #"{"id" "a"}"#, #"{"id":"a""#, #"{"id":"unterminated}"#,
            "{\"id\":\"raw\ttab\"}", #"{"t":"\x"}"#, #"{"t":"\u12"}"#, #"{"t":"\u12g4"}"#,
            #"{"t":"\ud83d"}"#, #"{"t":"\ud83d\u0041"}"#, #"{"t":"\ude00"}"#, #"{"t":"end\"#,
        ]
        for json in refused {
            #expect(members(json) == nil, "\(json)")
        }
    }

    /// Whatever it reads, Foundation reads alike: 20,000 objects of random members, their strings made of pieces
    /// good and bad (escapes, lone surrogates, raw controls, stray quotes, multi-byte text), some values not strings,
    /// some lines broken by a stray piece, from a fixed seed.
    @Test func readsNothingFoundationReadsOtherwise() throws {
        let content = [
            "a", "id", "text", " ", "ü", "日", "👩‍👩‍👧", "\\\\", "\\\"", "\\/", "\\n", "\\t", "\\u00e9", "\\u0000",
            "\\ud83d\\ude00", "\\ud83d", "\\ude00", "\\u12", "\\x", "\t", "\u{1}", "\u{7F}", "\"",
        ]
        let values = ["1", "null", "[]", "{}", "true"]
        let noise = ["{", "}", "\"", ":", ",", " ", "\n", "x"]
        var generator = SplitMix64(seed: 0x7472_6164_75)
        func text() -> String {
            (0..<Int.random(in: 0...4, using: &generator)).map { _ in content.randomElement(using: &generator)! }
                .joined()
        }
        var read = 0
        for _ in 0..<20_000 {
            var members: [String] = []
            for _ in 0..<Int.random(in: 0...3, using: &generator) {
                let value =
                    Int.random(in: 0..<8, using: &generator) == 0
                    ? values.randomElement(using: &generator)! : "\"\(text())\""
                members.append("\"\(text())\":\(value)")
            }
            var line = "{" + members.joined(separator: ",") + "}"
            if Int.random(in: 0..<5, using: &generator) == 0 {
                let offset = Int.random(in: 0...line.count, using: &generator)
                line.insert(
                    contentsOf: noise.randomElement(using: &generator)!,
                    at: line.index(line.startIndex, offsetBy: offset))
            }
            guard let members = self.members(line) else { continue }
            read += 1
            let object = try #require(
                try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String], "\(line)")
            #expect(Set(members.map(\.key)) == Set(object.keys), "\(line)")
            for (key, value) in members where members.last(where: { $0.key == key })?.value == value {
                #expect(object[key] == value, "\(key) of \(line)")
            }
        }
        #expect(read > 1_000, "enough lines are read to compare")
    }

    /// Against Foundation's parser, over lines written the way tradu writes them (`JSONValue.appendQuoted`),
    /// whatever the text holds.
    @Test func agreesWithFoundationOnWrittenRecords() throws {
        let texts = [
            "plain", "quote \" and back\\slash", "controls \u{0}\u{1}\u{1F}\t\n\r", "Grüße 日本語 👩‍👩‍👧 🇫🇷",
            "e\u{301} combining", "\u{10FFFF}", String(repeating: "ü\"", count: 500), "",
        ]
        for text in texts {
            var line = "{\"id\":"
            JSONValue.appendQuoted("doc-\(text.count)", to: &line)
            line += ",\"text\":"
            JSONValue.appendQuoted(text, to: &line)
            line += "}"
            let read = try #require(members(line), "\(line)")
            let object = try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
            #expect(read.count == 2)
            for (key, value) in read {
                #expect(object[key] == value, "\(key) of \(line)")
                #expect(Array(value.utf8) == Array((object[key] ?? "").utf8), "byte for byte: \(key) of \(line)")
            }
            #expect(read.last?.value == text)
        }
    }
}
