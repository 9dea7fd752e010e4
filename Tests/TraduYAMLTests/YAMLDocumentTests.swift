import Testing
import TraduCore
import TraduYAML

@Suite struct YAMLDocumentTests {
    @Test func multipleDocumentsEachBecomeANode() throws {
        let documents = try load("kind: A\n---\nkind: B\n---\n---\n- x\n")
        #expect(documents.count == 4)
        #expect(documents[0]["kind"]?.string == "A")
        #expect(documents[1]["kind"]?.string == "B")
        #expect(documents[2].value == .null)
        #expect(documents[3].elements?.first?.string == "x")
        #expect(position(documents[1].location) == "3:1")
    }

    @Test func emptyInputHasNoDocuments() throws {
        #expect(try load("").isEmpty)
    }

    @Test func onlyCommentsHasNoDocuments() throws {
        #expect(try load("# nothing here\n   # still nothing\n").isEmpty)
    }

    @Test func explicitEmptyDocumentIsNull() throws {
        let documents = try load("---\n...\n")
        #expect(documents.map(\.value) == [.null])
    }

    @Test func fileNameIsInEveryLocation() throws {
        let node = try YAMLLoader.load(Array("a: [1]\n".utf8), file: "manifests/x.yaml")[0]
        #expect(node.location.file == "manifests/x.yaml")
        #expect(node["a"]?.elements?[0].location.file == "manifests/x.yaml")
        #expect(node.entries?[0].keyRange.start.file == "manifests/x.yaml")
    }

    @Test func positionsOfNestedKeysAndValues() throws {
        let text = """
            kind: Job
            spec:
              engine:
                name: "gpt"
                retries: 3
              langs: [fr, de]
            """
        let root = try loadOne(text)
        #expect(position(root.location) == "1:1")
        let spec = try #require(root["spec"])
        #expect(position(spec.location) == "3:3")
        let engine = try #require(spec["engine"])
        let nameEntry = try #require(engine.entries?.first { $0.key == "name" })
        #expect(position(nameEntry.keyRange.start) == "4:5")
        #expect(position(nameEntry.keyRange.end) == "4:9")
        #expect(position(nameEntry.value.range.start) == "4:11")
        #expect(position(nameEntry.value.range.end) == "4:16")
        #expect(position(engine["retries"]?.location) == "5:14")
        let langs = try #require(spec["langs"]?.elements)
        #expect(position(spec["langs"]?.location) == "6:10")
        #expect(position(langs[1].location) == "6:15")
        #expect(langs.map(\.value) == [.string("fr"), .string("de")])
    }

    @Test func scalarsMayContainNUL() throws {
        let root = try loadOne("text: \"a\\0b\"\n")
        #expect(root["text"]?.string == "a\u{0}b")
        #expect(root["text"]?.string?.utf8.count == 3)
    }

    @Test func blockScalarsAreStrings() throws {
        let root = try loadOne("a: |\n  123\nb: >-\n  true\n")
        #expect(root["a"]?.value == .string("123\n"))
        #expect(root["b"]?.value == .string("true"))
    }
}
