import CLibYAML
import TraduCore

/// Owns one libyaml parser and its input buffer, and hands out events as Swift values.
///
/// libyaml reads the input lazily, so the buffer must outlive the parser: both are allocated here and freed
/// together in `deinit`. Every C event is deleted before `next()` returns.
final class LibYAMLEventReader {
    private let parser: UnsafeMutablePointer<yaml_parser_t>
    private let input: UnsafeMutableBufferPointer<UInt8>
    private let file: String

    init(_ bytes: [UInt8], file: String) throws(Diagnostic) {
        self.file = file
        parser = .allocate(capacity: 1)
        // libyaml never writes to its input, but its API takes a mutable-looking pointer to unsigned char.
        input = .allocate(capacity: max(bytes.count, 1))
        _ = input.initialize(from: bytes)
        guard yaml_parser_initialize(parser) == 1 else {
            parser.deallocate()
            input.deallocate()
            throw Diagnostic(
                at: SourceLocation(file: file, line: 1, column: 1), "out of memory starting the YAML parser")
        }
        yaml_parser_set_input_string(parser, input.baseAddress, bytes.count)
    }

    deinit {
        yaml_parser_delete(parser)
        parser.deallocate()
        input.deallocate()
    }

    /// The next event of the stream; after `streamEnd` libyaml keeps returning `streamEnd`.
    func next() throws(Diagnostic) -> YAMLEvent {
        var event = yaml_event_t()
        guard yaml_parser_parse(parser, &event) == 1 else {
            throw parserDiagnostic()
        }
        defer { yaml_event_delete(&event) }
        return YAMLEvent(kind: Self.kind(of: event), start: Self.mark(event.start_mark), end: Self.mark(event.end_mark))
    }

    private static func kind(of event: yaml_event_t) -> YAMLEvent.Kind {
        switch event.type {
        case YAML_STREAM_START_EVENT:
            return .streamStart
        case YAML_STREAM_END_EVENT, YAML_NO_EVENT:
            return .streamEnd
        case YAML_DOCUMENT_START_EVENT:
            return .documentStart
        case YAML_DOCUMENT_END_EVENT:
            return .documentEnd
        case YAML_ALIAS_EVENT:
            return .alias(anchor: string(event.data.alias.anchor) ?? "")
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            let text =
                scalar.value.map {
                    String(decoding: UnsafeBufferPointer(start: $0, count: scalar.length), as: UTF8.self)
                }
                ?? ""
            return .scalar(
                YAMLScalar(
                    anchor: string(scalar.anchor), tag: string(scalar.tag), text: text,
                    isPlain: scalar.style == YAML_PLAIN_SCALAR_STYLE))
        case YAML_SEQUENCE_START_EVENT:
            let start = event.data.sequence_start
            return .sequenceStart(anchor: string(start.anchor), tag: string(start.tag))
        case YAML_SEQUENCE_END_EVENT:
            return .sequenceEnd
        case YAML_MAPPING_START_EVENT:
            let start = event.data.mapping_start
            return .mappingStart(anchor: string(start.anchor), tag: string(start.tag))
        case YAML_MAPPING_END_EVENT:
            return .mappingEnd
        default:
            return .streamEnd
        }
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }

    private static func mark(_ mark: yaml_mark_t) -> YAMLMark {
        YAMLMark(line: Int(mark.line), column: Int(mark.column))
    }

    /// Turns libyaml's error state into a diagnostic with a position.
    private func parserDiagnostic() -> Diagnostic {
        let state = parser.pointee
        let problem = state.problem.map { String(cString: $0) } ?? "unknown YAML error"
        switch state.error {
        case YAML_READER_ERROR:
            return LibYAMLErrors.readerDiagnostic(
                problem: problem, offset: Int(state.problem_offset), value: Int(state.problem_value),
                input: UnsafeBufferPointer(input), file: file)
        case YAML_SCANNER_ERROR, YAML_PARSER_ERROR:
            let at = Self.mark(state.problem_mark).location(in: file)
            var message = problem
            let offset = Int(state.problem_mark.index)
            if problem == "found character that cannot start any token", offset < input.count,
                input[offset] == UInt8(ascii: "\t")
            {
                // libyaml's wording says nothing of the usual cause.
                message = "a tab character cannot indent YAML; use spaces"
            } else if let context = state.context.map({ String(cString: $0) }) {
                let contextMark = Self.mark(state.context_mark)
                message += " (\(context) at \(contextMark.line + 1):\(contextMark.column + 1))"
            }
            return Diagnostic(at: at, message)
        case YAML_MEMORY_ERROR:
            return Diagnostic(at: SourceLocation(file: file, line: 1, column: 1), "out of memory parsing YAML")
        default:
            return Diagnostic(at: Self.mark(state.problem_mark).location(in: file), problem)
        }
    }
}
