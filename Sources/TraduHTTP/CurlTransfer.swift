import CLibCurl
import Glibc
import TraduCore

/// One request performed on an easy handle, blocking the calling (pool) thread. libcurl's callbacks reach
/// this object through an unretained pointer that is valid for the duration of `perform`.
final class CurlTransfer {
    private let request: HTTPRequest
    private let easy: CurlEasyHandle
    private let cancellation: CancellationFlag
    private var body: [UInt8] = []
    private var headers = HTTPHeaders()
    private var bodyTooLarge = false

    private init(request: HTTPRequest, easy: CurlEasyHandle, cancellation: CancellationFlag) {
        self.request = request
        self.easy = easy
        self.cancellation = cancellation
    }

    static func perform(
        _ request: HTTPRequest, on easy: CurlEasyHandle, cancellation: CancellationFlag
    ) -> Result<HTTPResponse, HTTPError> {
        CurlTransfer(request: request, easy: easy, cancellation: cancellation).run()
    }

    private func fail(_ kind: HTTPError.Kind, _ message: String, code: CURLcode? = nil) -> Result<
        HTTPResponse, HTTPError
    > {
        .failure(HTTPError(kind, message, url: request.url, curlCode: code.map { Int($0.rawValue) }))
    }

    private func run() -> Result<HTTPResponse, HTTPError> {
        if cancellation.isCancelled { return fail(.cancelled, "request cancelled") }
        guard easy.handle != nil else { return fail(.other, "could not create a libcurl handle") }
        let lower = request.url.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
            return fail(.invalidURL, "only http and https URLs are supported")
        }
        for field in request.headers {
            let invalid =
                field.name.isEmpty || (field.name + field.value).utf8.contains { $0 == 10 || $0 == 13 || $0 == 0 }
            if invalid || field.name.utf8.contains(UInt8(ascii: ":")) {
                return fail(.invalidRequest, "invalid header field '\(field.name)'")
            }
        }
        easy.reset()
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }
        for line in headerLines() {
            guard let appended = curl_slist_append(headerList, line) else {
                return fail(.other, "out of memory building request headers")
            }
            headerList = appended
        }
        let context = Unmanaged.passUnretained(self).toOpaque()
        let setup: [CURLcode] =
            [
                easy.set(CURLOPT_URL, request.url),
                easy.set(CURLOPT_NOSIGNAL, 1),
                easy.set(CURLOPT_PROTOCOLS_STR, "http,https"),
                easy.set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https"),
                easy.set(CURLOPT_FOLLOWLOCATION, request.maxRedirects > 0 ? 1 : 0),
                easy.set(CURLOPT_MAXREDIRS, max(0, request.maxRedirects)),
                easy.set(CURLOPT_TIMEOUT_MS, Self.milliseconds(request.timeout)),
                easy.set(CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(request.connectTimeout)),
                easy.set(CURLOPT_MAXFILESIZE_LARGE, offset: max(0, request.maxResponseBytes)),
                // An empty list accepts every encoding libcurl can decode; limits apply to the decoded body.
                easy.set(CURLOPT_ACCEPT_ENCODING, ""),
                easy.set(CURLOPT_HTTPHEADER, pointer: UnsafeRawPointer(headerList)),
                easy.set(CURLOPT_WRITEFUNCTION, callback: Self.writeCallback),
                easy.set(CURLOPT_WRITEDATA, pointer: context),
                easy.set(CURLOPT_HEADERFUNCTION, callback: Self.headerCallback),
                easy.set(CURLOPT_HEADERDATA, pointer: context),
                easy.set(CURLOPT_NOPROGRESS, 0),
                easy.set(CURLOPT_XFERINFOFUNCTION, callback: Self.progressCallback),
                easy.set(CURLOPT_XFERINFODATA, pointer: context),
            ] + methodOptions()
        if let failed = setup.first(where: { $0 != CURLE_OK }) {
            return failure(failed)
        }
        let code = easy.perform()
        guard code == CURLE_OK else { return failure(code) }
        let seconds = easy.infoDouble(CURLINFO_TOTAL_TIME)
        return .success(
            HTTPResponse(
                status: easy.infoLong(CURLINFO_RESPONSE_CODE), headers: headers, body: body,
                effectiveURL: easy.infoString(CURLINFO_EFFECTIVE_URL) ?? request.url,
                totalTime: .microseconds(Int64(seconds * 1_000_000))))
    }

    private func methodOptions() -> [CURLcode] {
        let method = request.method
        if method == .head { return [easy.set(CURLOPT_NOBODY, 1)] }
        if method == .get && request.body.isEmpty { return [easy.set(CURLOPT_HTTPGET, 1)] }
        var codes: [CURLcode] = []
        if !request.body.isEmpty || method == .post || method == .put || method == .patch {
            codes.append(easy.set(CURLOPT_POSTFIELDSIZE_LARGE, offset: request.body.count))
            // COPYPOSTFIELDS copies exactly POSTFIELDSIZE bytes, NULs included.
            codes.append(
                request.body.withUnsafeBytes {
                    easy.set(
                        CURLOPT_COPYPOSTFIELDS,
                        pointer: $0.baseAddress ?? UnsafeRawPointer(("" as StaticString).utf8Start))
                })
        }
        if method != .post { codes.append(easy.set(CURLOPT_CUSTOMREQUEST, method.rawValue)) }
        return codes
    }

    /// The request's header lines, plus the ones that turn off libcurl defaults a JSON client does not want.
    private func headerLines() -> [String] {
        var lines = request.headers.map { field in
            // "Name:" would make libcurl drop the header; "Name;" sends it empty.
            field.value.isEmpty ? "\(field.name);" : "\(field.name): \(field.value)"
        }
        // No "Expect: 100-continue" round trip before large bodies.
        if !request.headers.contains("Expect") { lines.append("Expect:") }
        // No made-up form content type for bodies sent without one.
        if !request.body.isEmpty && !request.headers.contains("Content-Type") { lines.append("Content-Type:") }
        if !request.headers.contains("User-Agent") { lines.append("User-Agent: tradu") }
        return lines
    }

    private func failure(_ code: CURLcode) -> Result<HTTPResponse, HTTPError> {
        let message = easy.errorMessage(for: code)
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            return fail(.timeout, message, code: code)
        case CURLE_COULDNT_CONNECT:
            let refused = easy.infoLong(CURLINFO_OS_ERRNO) == Int(ECONNREFUSED)
            return fail(refused ? .connectionRefused : .couldNotConnect, message, code: code)
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return fail(.dns, message, code: code)
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
            CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED,
            CURLE_SSL_ENGINE_INITFAILED, CURLE_SSL_SHUTDOWN_FAILED, CURLE_USE_SSL_FAILED:
            return fail(.tls, message, code: code)
        case CURLE_TOO_MANY_REDIRECTS:
            return fail(.tooManyRedirects, message, code: code)
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL:
            return fail(.invalidURL, message, code: code)
        case CURLE_FILESIZE_EXCEEDED:
            return fail(.tooLarge, "response body larger than \(request.maxResponseBytes) bytes", code: code)
        case CURLE_WRITE_ERROR where bodyTooLarge:
            return fail(.tooLarge, "response body larger than \(request.maxResponseBytes) bytes", code: code)
        case CURLE_ABORTED_BY_CALLBACK where cancellation.isCancelled:
            return fail(.cancelled, "request cancelled", code: code)
        default:
            return fail(.other, message, code: code)
        }
    }

    private static func milliseconds(_ duration: Duration) -> Int {
        max(1, Int(clamping: duration.milliseconds))
    }

    // MARK: - libcurl callbacks

    private static let writeCallback: tradu_curl_data_callback = { data, size, count, context in
        let transfer = Unmanaged<CurlTransfer>.fromOpaque(context!).takeUnretainedValue()
        let length = size * count
        guard transfer.body.count + length <= transfer.request.maxResponseBytes else {
            transfer.bodyTooLarge = true
            return 0  // makes libcurl abort with CURLE_WRITE_ERROR
        }
        transfer.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length))
        return length
    }

    private static let headerCallback: tradu_curl_data_callback = { data, size, count, context in
        let transfer = Unmanaged<CurlTransfer>.fromOpaque(context!).takeUnretainedValue()
        let length = size * count
        let line = String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
        transfer.receiveHeaderLine(line)
        return length
    }

    private static let progressCallback: tradu_curl_xferinfo_callback = { context, _, _, _, _ in
        let transfer = Unmanaged<CurlTransfer>.fromOpaque(context!).takeUnretainedValue()
        return transfer.cancellation.isCancelled ? 1 : 0
    }

    private func receiveHeaderLine(_ raw: String) {
        var line = Substring(raw)
        while let last = line.last, last == "\r\n" || last == "\n" || last == "\r" { line.removeLast() }
        if line.hasPrefix("HTTP/") {
            // A new response begins (after a redirect or a 1xx): keep only the final one's headers.
            headers = HTTPHeaders()
            return
        }
        if let first = line.first, first == " " || first == "\t" {
            // Obsolete line folding continues the previous field.
            if var last = headers.fields.last {
                last.value += " " + line.trimmingWhitespace()
                headers = HTTPHeaders(headers.fields.dropLast() + [last])
            }
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        headers.add(
            name: String(line[..<colon]).trimmingWhitespace(),
            value: String(line[line.index(after: colon)...]).trimmingWhitespace())
    }
}

extension StringProtocol {
    fileprivate func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[start...end])
    }
}
