import Testing
import TraduPostgres
import TraduTestSupport

@testable import TraduStore

/// Array literals carry every batched statement's rows (a completion's records among them): whatever the text,
/// PostgreSQL must read back exactly the elements given.
@Suite struct SQLTextTests {
    @Test func arrayLiteralsRoundTripThroughPostgreSQL() async throws {
        let connection = try await PostgresConnection.connect(try await TestPostgres.shared.freshDatabase())
        let record = #"{"id":"a\"b","text":"C:\\path \"quoted\" {x,y}"}"# + "\n"
        let elements: [String?] = [
            "plain", "", "quote \" inside", "back\\slash", "\\\"both\"\\", "\"", "\\", "{braces},commas", "NULL", nil,
            " spaced ", "héllo 日本語 🚀", String(repeating: record, count: 300),
        ]
        let rows = try await connection.query(
            "SELECT u.value FROM unnest($1::text[]) WITH ORDINALITY AS u (value, n) ORDER BY u.n",
            [SQLText.arrayLiteral(elements)])
        #expect(rows.map { $0["value"] } == elements)
        let empty = try await connection.query(
            "SELECT cardinality($1::text[]) AS n", [SQLText.arrayLiteral([String?]())])
        #expect(empty[0]["n"] == "0")
    }
}
