import ArgumentParser

/// `-f DIR`: where the manifests are.
struct ManifestOptions: ParsableArguments {
    @Option(name: [.customShort("f"), .customLong("file")], help: "Folder of manifests.")
    var directory: String = "manifests"
}
