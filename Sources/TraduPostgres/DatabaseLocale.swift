/// A database's default collation as tools name it: a libc locale (`en_US.UTF-8`) or `icu:` and an ICU locale
/// (`icu:en-US`, PostgreSQL 15 or later), for databases created the way managed services create theirs.
public enum DatabaseLocale {
    /// The clauses of `CREATE DATABASE` that give it `locale`'s collation (from `template0`, which any locale can
    /// copy). An ICU database keeps the C locale for what ICU does not cover (`LC_CTYPE`).
    public static func createClauses(_ locale: String) throws -> String {
        if locale.hasPrefix("icu:") {
            let icu = try PostgresQuoting.literal(String(locale.dropFirst(4)))
            return "TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE \(icu) LOCALE 'C'"
        }
        return "TEMPLATE template0 LOCALE \(try PostgresQuoting.literal(locale))"
    }
}
