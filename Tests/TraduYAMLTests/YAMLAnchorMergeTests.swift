import Testing
import TraduCore
import TraduYAML

@Suite struct YAMLAnchorMergeTests {
    @Test func aliasesResolveToTheAnchoredNode() throws {
        let root = try loadOne(
            """
            base: &b
              model: m1
              tags: [a, b]
            copy: *b
            scalar: &s hello
            again: *s
            """)
        #expect(root["copy"] == root["base"])
        #expect(root["again"]?.string == "hello")
    }

    @Test func undefinedAliasIsAnError() {
        let error = loadError("a: 1\nb: *nope\n")
        #expect(error?.message == "alias '*nope' refers to an undefined anchor")
        #expect(position(error?.range?.start) == "2:4")
    }

    @Test func anchorsDoNotCrossDocuments() {
        #expect(loadError("a: &x 1\n---\nb: *x\n")?.message == "alias '*x' refers to an undefined anchor")
    }

    @Test func mergeKeyWithOverride() throws {
        let root = try loadOne(
            """
            defaults: &d
              model: m1
              temperature: 0.2
            job:
              <<: *d
              temperature: 0.7
              name: j
            """)
        let job = try #require(root["job"])
        #expect(job.keys == ["model", "temperature", "name"])
        #expect(job["model"]?.string == "m1")
        #expect(job["temperature"]?.value == .float(0.7))
    }

    @Test func explicitKeysWinEvenWhenWrittenBeforeTheMerge() throws {
        let root = try loadOne("d: &d {a: 1, b: 2}\nx:\n  b: 3\n  <<: *d\n")
        let x = try #require(root["x"])
        #expect(x.keys == ["b", "a"])
        #expect(x["b"]?.value == .int(3))
    }

    @Test func listOfMergesEarlierWins() throws {
        let root = try loadOne(
            """
            one: &one {a: 1, b: 1}
            two: &two {b: 2, c: 2}
            x:
              <<: [*one, *two]
              c: 3
            """)
        let x = try #require(root["x"])
        #expect(x.keys == ["a", "b", "c"])
        #expect(x["a"]?.value == .int(1))
        #expect(x["b"]?.value == .int(1))
        #expect(x["c"]?.value == .int(3))
    }

    @Test func mergedEntriesKeepTheirOriginalPositions() throws {
        let root = try loadOne("d: &d\n  a: 1\nx:\n  <<: *d\n")
        let entry = try #require(root["x"]?.entries?.first)
        #expect(position(entry.keyRange.start) == "2:3")
    }

    @Test func quotedOrTaggedMergeKeyIsAnOrdinaryKey() throws {
        let root = try loadOne("d: &d {a: 1}\nx:\n  '<<': *d\ny:\n  !!str <<: *d\n")
        #expect(root["x"]?.keys == ["<<"])
        #expect(root["y"]?.keys == ["<<"])
    }

    @Test func mergeValueMustBeMappings() {
        let error = loadError("x:\n  <<: 5\n")
        #expect(
            error?.message == "the value of a merge key '<<' must be a mapping or a list of mappings, found an integer")
        #expect(position(error?.range?.start) == "2:7")
        #expect(
            loadError("d: &d {a: 1}\nx:\n  <<: [*d, 1]\n")?.message
                == "a merge key '<<' list may only contain mappings, found an integer")
    }

    @Test func duplicateKeysAreErrors() {
        let error = loadError(
            """
            kind: Job
            spec:
              name: a
              model: m
              name: b
            """)
        #expect(error?.message == "duplicate key 'name' (first defined at test.yaml:3:3)")
        #expect(position(error?.range?.start) == "5:3")
        #expect(error?.description == "test.yaml:5:3: error: duplicate key 'name' (first defined at test.yaml:3:3)")
    }

    @Test func duplicateMergeKeysAreErrors() {
        let error = loadError("d: &d {a: 1}\nx:\n  <<: *d\n  <<: *d\n")
        #expect(error?.message == "duplicate key '<<' (first defined at test.yaml:3:3)")
    }

    @Test func mappingKeysMustBeScalars() {
        let error = loadError("? [a, b]\n: 1\n")
        #expect(error?.message == "mapping keys must be scalars")
        #expect(position(error?.range?.start) == "1:3")
        #expect(loadError("{[a]: 1}")?.message == "mapping keys must be scalars")
        #expect(loadError("a: &m {x: 1}\n*m : 2\n")?.message == "mapping keys must be scalars")
    }

    @Test func nullKeyIsAnError() {
        let error = loadError("a: 1\n~: 2\n")
        #expect(error?.message == "mapping keys must not be null")
        #expect(position(error?.range?.start) == "2:1")
    }
}
