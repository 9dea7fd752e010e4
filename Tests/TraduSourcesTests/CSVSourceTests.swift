import Testing
import TraduCore
import TraduSources

@Suite struct CSVSourceTests {
    @Test func quotedFieldsEscapesAndLineBreaks() async throws {
        let project = try TestProject()
        try project.write(
            "manifests/data/catalog.csv",
            "sku,price,description\r\n"
                + "A-1,10,\"Red, large\"\r\n"
                + "\r\n"
                + "A-2,12,\"Says \"\"hi\"\"\r\nand more\"\r\n"
                + "\"A-3\",,plain é\n"
                + "A-4,1,\"\"")
        let dataset = makeDataset(.path("data/catalog.csv"), format: .csv, idField: "sku", textField: "description")
        let (records, _) = try await project.readAll(dataset)
        #expect(records.map(\.id) == ["A-1", "A-2", "A-3", "A-4"])
        #expect(records.map(\.text) == ["Red, large", "Says \"hi\"\r\nand more", "plain é", ""])
        #expect(records.map(\.location.line) == [2, 4, 6, 7])
        #expect(records.first?.location.file == "manifests/data/catalog.csv")
    }

    @Test func missingColumnNamesTheColumnsThatExist() async throws {
        let project = try TestProject()
        try project.write("manifests/catalog.csv", "sku,price,descripton\nA,1,x\n")
        let dataset = makeDataset(.path("catalog.csv"), format: .csv, idField: "sku", textField: "description")
        let stream = try await project.reader(dataset).open()
        let error = #expect(throws: SourceError.self) { _ = try stream.next() }
        #expect(error?.kind == .invalidSource)
        #expect(
            error?.description
                == "manifests/catalog.csv:1:1: error: csv header has no column 'description' (spec.textField); "
                + "its columns are 'sku', 'price', 'descripton'; did you mean 'descripton'?")
    }

    @Test func malformedRowsAreBadRecords() async throws {
        let project = try TestProject()
        try project.write(
            "manifests/rows.csv",
            "id,text\n1,one\n2,two,extra\n3,th\"ree\n4,\"four\"x\n5,five\n6,\"never closed\n")
        let dataset = makeDataset(.path("rows.csv"), format: .csv, onInvalidRecord: .skip)
        let (records, stream) = try await project.readAll(dataset)
        #expect(records.map(\.id) == ["1", "5"])
        #expect(
            stream.skipped.map(\.description) == [
                "manifests/rows.csv:3:1: error: row has 3 fields, the header has 2",
                "manifests/rows.csv:4:5: error: quote inside an unquoted field (quote the whole field)",
                "manifests/rows.csv:5:9: error: unexpected character after a closing quote",
                "manifests/rows.csv:7:1: error: quoted field is not closed before the end of the file",
            ])
    }

    @Test func invalidUTF8AndDuplicateIDs() async throws {
        let project = try TestProject()
        try project.write(
            "manifests/rows.csv",
            bytes: Array("id,text\n1,ok\n2,".utf8) + [0xFF] + Array("\n1,again\n".utf8))
        let dataset = makeDataset(.path("rows.csv"), format: .csv, onInvalidRecord: .skip)
        let (records, stream) = try await project.readAll(dataset)
        #expect(records.map(\.id) == ["1"])
        #expect(
            stream.skipped.map(\.description) == [
                "manifests/rows.csv:3:1: error: invalid UTF-8 in column 'text'",
                "manifests/rows.csv:4:1: error: duplicate id '1' (first seen at line 2)",
            ])
    }
}
