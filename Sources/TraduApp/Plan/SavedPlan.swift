import Foundation
import TraduCore

/// A plan saved with `tradu plan --out FILE`: the plan's JSON plus what `tradu apply FILE` needs to apply
/// exactly it. Applying re-computes the plan under the environment lock and refuses unless the environment
/// is still at the same lineage and serial and the re-computed plan has the same digest (the manifests and
/// datasets did not change). No secret value is ever in it: manifests hold only references.
public struct SavedPlan: Sendable, Hashable {
    public static let kind = "tradu.plan"

    public var environment: String
    public var lineage: String
    public var serial: Int64
    public var planDigest: String
    public var manifestDirectory: String

    public static func write(_ prepared: PreparedPlan, to path: String, presenter: PlanPresenter = PlanPresenter())
        throws
    {
        guard case .object(var members) = presenter.json(prepared) else { return }
        members.insert(("kind", .string(kind)), at: 0)
        members.append(("manifestDirectory", .string(prepared.manifestDirectory)))
        members.append(("manifests", prepared.manifests))
        let text = JSONValue.object(members).encoded(pretty: true) + "\n"
        // Written to a temporary file and renamed: a reader never sees half a plan.
        let temporary = path + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
        try text.write(toFile: temporary, atomically: false, encoding: .utf8)
        if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
        try FileManager.default.moveItem(atPath: temporary, toPath: path)
    }

    public static func read(_ path: String) throws -> SavedPlan {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TraduError.configuration("cannot read saved plan '\(path)'")
        }
        let json = try JSONText.parse(String(decoding: data, as: UTF8.self), name: path)
        guard json["kind"] == .string(kind), json["formatVersion"] == .int(1) else {
            throw TraduError.configuration("'\(path)' is not a tradu plan (kind \(kind), formatVersion 1)")
        }
        func string(_ key: String) throws -> String {
            guard case .string(let value)? = json[key] else {
                throw TraduError.configuration("saved plan '\(path)' has no '\(key)'")
            }
            return value
        }
        guard case .int(let serial)? = json["serial"] else {
            throw TraduError.configuration("saved plan '\(path)' has no 'serial'")
        }
        return SavedPlan(
            environment: try string("environment"), lineage: try string("lineage"), serial: Int64(serial),
            planDigest: try string("planDigest"), manifestDirectory: try string("manifestDirectory"))
    }

    /// Throws a rejection (exit 3) unless `prepared` is this very plan, computed against the same state.
    public func check(against prepared: PreparedPlan) throws {
        let name = prepared.environment.environment.name
        guard prepared.state.lineage == lineage else {
            throw TraduError.rejected(
                "saved plan belongs to another lineage of \(name) (\(lineage.prefix(8)), environment is"
                    + " \(prepared.state.lineage.prefix(8)))")
        }
        guard prepared.state.serial == serial else {
            throw TraduError.rejected(
                "saved plan is stale: \(name) serial \(prepared.state.serial), plan was made at \(serial)")
        }
        guard prepared.planDigest == planDigest else {
            throw TraduError.rejected(
                "saved plan no longer matches: the manifests or datasets changed since it was made; make a new plan")
        }
    }
}
