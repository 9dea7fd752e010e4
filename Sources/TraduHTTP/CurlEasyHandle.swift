import CLibCurl

/// libcurl's process-wide setup, done once before the first handle: thread-safe through Swift's lazy
/// global initialisation.
private let curlGlobalInit: CURLcode = curl_global_init(Int(CURL_GLOBAL_SSL | CURL_GLOBAL_WIN32))

/// Owns one `CURL*` easy handle and its error buffer. Used by one pool thread at a time; reusing it keeps
/// libcurl's connection and DNS caches warm between requests.
final class CurlEasyHandle {
    let handle: UnsafeMutableRawPointer?
    private let errorBuffer: UnsafeMutablePointer<CChar>

    init() {
        _ = curlGlobalInit
        handle = curl_easy_init()
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        if let handle { curl_easy_cleanup(handle) }
        errorBuffer.deallocate()
    }

    /// Clears every option set by the previous request (caches survive) and installs the error buffer.
    func reset() {
        guard let handle else { return }
        curl_easy_reset(handle)
        errorBuffer[0] = 0
        _ = tradu_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
    }

    /// libcurl's detailed message for the last failure, or its generic text for `code`.
    func errorMessage(for code: CURLcode) -> String {
        if errorBuffer[0] != 0 {
            var text = String(cString: errorBuffer)
            while text.last == "\n" { text.removeLast() }
            return text
        }
        return String(cString: curl_easy_strerror(code))
    }

    func set(_ option: CURLoption, _ value: Int) -> CURLcode {
        tradu_curl_setopt_long(handle, option, value)
    }

    func set(_ option: CURLoption, _ value: String) -> CURLcode {
        // libcurl copies string options, so the C string only needs to live for the call.
        value.withCString { tradu_curl_setopt_pointer(handle, option, $0) }
    }

    func set(_ option: CURLoption, offset value: Int) -> CURLcode {
        tradu_curl_setopt_off_t(handle, option, curl_off_t(value))
    }

    func set(_ option: CURLoption, pointer value: UnsafeRawPointer?) -> CURLcode {
        tradu_curl_setopt_pointer(handle, option, value)
    }

    func set(_ option: CURLoption, callback: tradu_curl_data_callback) -> CURLcode {
        tradu_curl_setopt_data_callback(handle, option, callback)
    }

    func set(_ option: CURLoption, callback: tradu_curl_xferinfo_callback) -> CURLcode {
        tradu_curl_setopt_xferinfo_callback(handle, option, callback)
    }

    func perform() -> CURLcode {
        curl_easy_perform(handle)
    }

    func infoLong(_ info: CURLINFO) -> Int {
        var value = 0
        _ = tradu_curl_getinfo_long(handle, info, &value)
        return value
    }

    func infoDouble(_ info: CURLINFO) -> Double {
        var value = 0.0
        _ = tradu_curl_getinfo_double(handle, info, &value)
        return value
    }

    func infoString(_ info: CURLINFO) -> String? {
        var value: UnsafeMutablePointer<CChar>?
        _ = tradu_curl_getinfo_string(handle, info, &value)
        return value.map { String(cString: $0) }
    }
}
