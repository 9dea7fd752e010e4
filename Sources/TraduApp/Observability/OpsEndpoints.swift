import Logging

/// Starts `/metrics`, `/healthz` and `/readyz` for a long-running process, with the readiness probe.
public struct OpsEndpoints: Sendable {
    public let server: OpsServer
    let probe: Task<Void, Never>

    public static func start(
        address: String, environment: String, role: String, shutdown: ShutdownSignal, logger: Logger,
        openStore: @escaping Worker.StoreFactory
    ) async throws -> OpsEndpoints {
        guard let (host, port) = OpsServer.address(address) else {
            throw TraduError.configuration("--metrics-addr '\(address)' is not HOST:PORT (e.g. 127.0.0.1:9464)")
        }
        let readiness = Readiness()
        let server = try await OpsServer(host: host, port: port, readiness: readiness)
        let probe = Task {
            await readiness.probe(environment: environment, role: role, shutdown: shutdown, openStore: openStore)
        }
        logger.info("serving /metrics, /healthz and /readyz", metadata: ["address": "\(host):\(server.port)"])
        return OpsEndpoints(server: server, probe: probe)
    }

    public func stop() async {
        probe.cancel()
        await server.stop()
    }
}
