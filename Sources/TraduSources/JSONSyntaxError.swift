/// A problem in one JSON line, with the byte offset it was found at (turned into a column by the caller).
struct JSONSyntaxError: Error {
    var message: String
    var offset: Int

    init(_ message: String, at offset: Int) {
        self.message = message
        self.offset = offset
    }
}
