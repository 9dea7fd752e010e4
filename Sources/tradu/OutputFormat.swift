import ArgumentParser

/// `-o text|json`: every command that prints for people can print a versioned JSON document instead.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
}
