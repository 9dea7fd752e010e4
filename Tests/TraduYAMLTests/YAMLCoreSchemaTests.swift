import Testing
import TraduCore
import TraduYAML

@Suite struct YAMLCoreSchemaTests {
    static let table: [(String, Node.Value)] = [
        ("~", .null), ("null", .null), ("Null", .null), ("NULL", .null), ("", .null),
        ("true", .bool(true)), ("True", .bool(true)), ("TRUE", .bool(true)), ("false", .bool(false)),
        ("FALSE", .bool(false)),
        ("yes", .string("yes")), ("no", .string("no")), ("on", .string("on")), ("off", .string("off")),
        ("y", .string("y")), ("tRUE", .string("tRUE")), ("nULL", .string("nULL")),
        ("123", .int(123)), ("-17", .int(-17)), ("+5", .int(5)), ("0", .int(0)), ("007", .int(7)),
        ("0x1F", .int(31)), ("0o17", .int(15)), ("0o8", .string("0o8")), ("0xG", .string("0xG")),
        ("-0x1F", .string("-0x1F")), ("0b101", .string("0b101")),
        ("1e3", .float(1000)), ("1.5", .float(1.5)), ("-.5", .float(-0.5)), ("1.", .float(1)),
        ("+2.5E-1", .float(0.25)), (".inf", .float(.infinity)), ("-.Inf", .float(-.infinity)),
        ("+.INF", .float(.infinity)), ("1_000", .string("1_000")), ("1:30", .string("1:30")),
        ("1e", .string("1e")), (".", .string(".")), ("e3", .string("e3")),
        ("99999999999999999999", .float(1e20)), ("0x10000000000000000", .float(18446744073709551616)),
        ("2024-01-01", .string("2024-01-01")), ("hello world", .string("hello world")),
    ]

    @Test(arguments: table)
    func plainScalarResolution(text: String, expected: Node.Value) throws {
        let root = try loadOne("v: \(text)\n")
        #expect(root["v"]?.value == expected, "v: \(text)")
    }

    @Test func nanResolves() throws {
        for text in [".nan", ".NaN", ".NAN"] {
            guard case .float(let value)? = try loadOne("v: \(text)")["v"]?.value else {
                Issue.record("\(text) is not a float")
                continue
            }
            #expect(value.isNaN)
        }
    }

    @Test func quotedScalarsAreAlwaysStrings() throws {
        let root = try loadOne("a: \"123\"\nb: 'true'\nc: \"~\"\nd: ''\n")
        #expect(root["a"]?.value == .string("123"))
        #expect(root["b"]?.value == .string("true"))
        #expect(root["c"]?.value == .string("~"))
        #expect(root["d"]?.value == .string(""))
    }

    @Test func keysKeepTheirTextAsWritten() throws {
        let root = try loadOne("0x1F: a\ntrue: b\n1.50: c\n")
        #expect(root.keys == ["0x1F", "true", "1.50"])
    }
}
