/// The version this build reports (`tradu --version`, instance rows, logs).
public enum TraduVersion {
    public static let current = "0.1.0"
}
