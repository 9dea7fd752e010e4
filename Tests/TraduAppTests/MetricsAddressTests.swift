import Testing
import TraduApp

@Suite struct MetricsAddressTests {
    @Test func hostAndPortOrNothing() {
        #expect(OpsServer.address("127.0.0.1:9464")! == ("127.0.0.1", 9464))
        #expect(OpsServer.address("127.0.0.1:0")! == ("127.0.0.1", 0))
        for bad in ["9464", ":9464", "127.0.0.1:", "127.0.0.1:70000", "127.0.0.1:-1", "127.0.0.1:http"] {
            #expect(OpsServer.address(bad) == nil, "\(bad)")
        }
    }
}
