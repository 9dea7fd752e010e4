import Glibc
import TraduCore
import TraduHTTP

/// Fetches a dataset URL into an unlinked temp file and returns the open descriptor.
///
/// The file is unlinked as soon as it is created, so it disappears when the stream is done, or when the
/// process dies, with no cleanup to forget. (TraduHTTP returns bodies in memory, so the body is held once
/// during the fetch; from then on the stream reads the file like any other and the memory is released.)
struct URLDownload {
    var url: String
    var client: HTTPClient
    var timeout: Duration
    var maxBytes: Int
    var maxRedirects: Int

    struct Result {
        var descriptor: Int32
        var stamp: SourceFingerprint.URLStamp
    }

    /// The URL as messages and fingerprints show it: no credentials, no query. Reuses TraduHTTP's redaction,
    /// which `HTTPError` applies to the URL it is given.
    static func redacted(_ url: String) -> String {
        HTTPError(.other, "", url: url).url
    }

    func fetch() async throws(SourceError) -> Result {
        let shown = Self.redacted(url)
        let response: HTTPResponse
        do {
            response = try await client.send(
                HTTPRequest(url: url, timeout: timeout, maxResponseBytes: maxBytes, maxRedirects: maxRedirects))
        } catch {
            switch error.kind {
            case .timeout:
                throw SourceError(
                    .timeout, at: nil, "fetching source.url \(shown) timed out after \(Self.describe(timeout))")
            case .tooLarge:
                throw SourceError(
                    .http, at: nil, "source.url \(shown) is larger than the \(maxBytes >> 20) MiB download limit")
            default:
                throw SourceError(.http, at: nil, "cannot fetch source.url \(shown): \(error.message)")
            }
        }
        guard response.isSuccess else {
            throw SourceError(.http, at: nil, "source.url \(shown) answered HTTP status \(response.status)")
        }
        let descriptor = try Self.writeTemporaryFile(response.body)
        let stamp = SourceFingerprint.URLStamp(
            url: shown, etag: response.headers["ETag"], lastModified: response.headers["Last-Modified"],
            contentLength: Int64(response.body.count))
        return Result(descriptor: descriptor, stamp: stamp)
    }

    /// `60s`, `250ms`: the manifest's spelling of durations.
    static func describe(_ duration: Duration) -> String {
        let milliseconds = duration.milliseconds
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000)s" : "\(milliseconds)ms"
    }

    private static func writeTemporaryFile(_ body: [UInt8]) throws(SourceError) -> Int32 {
        let directory = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array("\(directory)/tradu-source-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            throw SourceError(.io, at: nil, "cannot create a temp file in \(directory): \(currentErrno().text)")
        }
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        var written = 0
        while written < body.count {
            let count = body.withUnsafeBufferPointer {
                write(descriptor, $0.baseAddress! + written, body.count - written)
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                let reason = currentErrno().text
                close(descriptor)
                throw SourceError(.io, at: nil, "cannot write the downloaded source to \(directory): \(reason)")
            }
            written += count
        }
        lseek(descriptor, 0, SEEK_SET)
        return descriptor
    }
}
