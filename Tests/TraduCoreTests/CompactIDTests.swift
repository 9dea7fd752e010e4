import Testing

@testable import TraduCore

@Suite struct CompactIDTests {
    @Test func tradusOwnIdentitiesAreHeldAsDigitsAndRoundTrip() {
        let hex = ContentHash.hex(of: "a block")
        let id = CompactID(hex)
        guard case .digest = id else {
            Issue.record("\(hex) was kept as text")
            return
        }
        #expect(id.string == hex)
        #expect(MemoryLayout<CompactID>.size <= 17, "a digest, not a heap string")
    }

    /// Identities held as digits are the same identities: stored environments keep their block ids.
    @Test func digitsComputedDirectlyEqualTheHexIdentity() {
        for text in ["", "a block", "tradu/v1\u{0}translate\u{0}abc\u{0}fr"] {
            #expect(ContentHash.compact(of: text) == CompactID(ContentHash.hex(of: text)))
            #expect(ContentHash.compact(of: text).string == ContentHash.hex(of: text))
        }
        let block = cut(records(0..<3)).first!
        let item = WorkItem(pipeline: "translate", block: block, targetLanguage: "fr")
        #expect(item.id == WorkItem.id(pipeline: "translate", blockHash: block.hash, targetLanguage: "fr"))
        #expect(item.blockHash == block.hash)
    }

    /// The item id written on the stack is the id of its text, for identities held as digits or as text, and for
    /// names in any script: the ids of stored environments do not move.
    @Test func anItemsIdIsTheDigestOfItsIdText() {
        let digits = cut(records(0..<3)).first!
        var text = digits
        text.identity = CompactID("translate/h1/de")
        #expect(text.identity == .text("translate/h1/de"))
        for block in [digits, text] {
            for (pipeline, language) in [("translate", "fr"), ("", ""), ("übersetzen-日本", "zh-Hant"), ("p\u{0}q", "x")]
            {
                let identity = WorkItem.identity(pipeline: pipeline, block: block, targetLanguage: language)
                let expected = ContentHash.hex(of: "tradu/v1\u{0}\(pipeline)\u{0}\(block.hash)\u{0}\(language)")
                #expect(identity.string == expected, "\(pipeline) \(language) \(block.hash)")
                #expect(identity == CompactID(expected))
            }
        }
        #expect(
            WorkItem.identity(pipeline: "translate", block: digits, targetLanguage: "fr")
                != WorkItem.identity(pipeline: "translate", block: digits, targetLanguage: "de"))
    }

    @Test func anyOtherTextIsKeptAsItIs() {
        for text in ["translate/h1/de", "h1", "", String(repeating: "a", count: 33), String(repeating: "A", count: 32)]
        {
            let id = CompactID(text)
            #expect(id == .text(text))
            #expect(id.string == text)
        }
    }

    @Test func identitiesOrderAsTheirTexts() {
        let texts: [String] = (0..<200).map { ContentHash.hex(of: "\($0)") } + ["h1", "zz", "0"]
        let ids: [CompactID] = texts.map { CompactID($0) }
        let sortedTexts: [String] = ids.sorted().map(\.string)
        #expect(sortedTexts == texts.sorted())
        #expect(Set(ids).count == texts.count)
    }

    @Test func aStreamedDigestEqualsTheDigestOfTheJoinedText() {
        let pieces = ["tradu-plan/v1\n", "pipeline p x\n", "+ é\u{0}\n", ""]
        var stream = ContentHash.Stream()
        for piece in pieces { stream.add(piece) }
        #expect(stream.hex() == ContentHash.hex(of: pieces.joined()))
    }

    @Test func aDigestLineEqualsTheLineAsText() {
        let ids: [CompactID] = [CompactID(ContentHash.hex(of: "a")), "h1", ""]
        var lines = ContentHash.Stream()
        var texts = ContentHash.Stream()
        for id in ids {
            lines.addLine("-/+ ", id)
            texts.add("-/+ \(id.string)\n")
        }
        #expect(lines.hex() == texts.hex())
        var other = ContentHash.Stream()
        other.addLine("+ ", ids[0])
        #expect(other.hex() != ContentHash.hex(of: "-/+ \(ids[0].string)\n"))
    }
}
