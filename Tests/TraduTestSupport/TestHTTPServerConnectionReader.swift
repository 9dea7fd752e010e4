import Glibc

/// Reads one HTTP/1.1 request from a socket: request line, headers, and a `Content-Length` or chunked body.
struct TestHTTPConnectionReader {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private static let maxHeadBytes = 1 << 20

    init(fd: Int32) {
        self.fd = fd
    }

    mutating func readRequest() -> TestHTTPRequest? {
        guard let headEnd = readUntil([13, 10, 13, 10], limit: Self.maxHeadBytes) else { return nil }
        let head = String(decoding: buffer[..<headEnd], as: UTF8.self)
        buffer.removeFirst(headEnd + 4)
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        guard !lines.isEmpty else { return nil }
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count >= 2 else { return nil }
        var headers: [(name: String, value: String)] = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let value = line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" }
            headers.append((String(line[..<colon]), String(value)))
        }
        var request = TestHTTPRequest(
            method: String(requestLine[0]), target: String(requestLine[1]), headers: headers, body: [])
        if request.header("Transfer-Encoding")?.lowercased().contains("chunked") == true {
            guard let body = readChunkedBody() else { return nil }
            request.body = body
        } else if let length = request.header("Content-Length").flatMap({ Int($0) }), length > 0 {
            guard let body = readExactly(length) else { return nil }
            request.body = body
        }
        return request
    }

    private mutating func readChunkedBody() -> [UInt8]? {
        var body: [UInt8] = []
        while true {
            guard let lineEnd = readUntil([13, 10], limit: 1024) else { return nil }
            let sizeText = String(decoding: buffer[..<lineEnd], as: UTF8.self).prefix { $0 != ";" }
            buffer.removeFirst(lineEnd + 2)
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else { return nil }
            if size == 0 {
                // Skip trailers up to the empty line.
                while let end = readUntil([13, 10], limit: 8192) {
                    buffer.removeFirst(end + 2)
                    if end == 0 { return body }
                }
                return nil
            }
            guard let chunk = readExactly(size + 2) else { return nil }
            body += chunk.dropLast(2)
        }
    }

    private mutating func readExactly(_ count: Int) -> [UInt8]? {
        while buffer.count < count {
            guard fill() else { return nil }
        }
        let bytes = Array(buffer[..<count])
        buffer.removeFirst(count)
        return bytes
    }

    /// The index where `marker` starts in the buffer, reading more as needed.
    private mutating func readUntil(_ marker: [UInt8], limit: Int) -> Int? {
        var searchFrom = 0
        while true {
            if buffer.count >= marker.count {
                for index in searchFrom...(buffer.count - marker.count)
                where buffer[index..<index + marker.count].elementsEqual(marker) {
                    return index
                }
                searchFrom = buffer.count - marker.count + 1
            }
            guard buffer.count < limit, fill() else { return nil }
        }
    }

    private mutating func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return false }
        buffer += chunk[..<count]
        return true
    }
}
